// Host harness for decode_zstd.cuh: the same decoder the homi_dec_zstd kernels run, compiled by
// gcc (with AddressSanitizer / UBSan, or ThreadSanitizer, when the test asks) so that
// ZstdHarnessTest can check it against zstd-jni on real pages and hostile frames without a GPU.
//
// zstd_harness [--team N] IN OUT
// Input file: records of [u32 compressed length][u32 declared size][compressed bytes].
// Output file: per record [i32 reason][u32 input offset][declared size bytes if reason 0].
// Each record is decoded into an exactly-sized heap buffer so that ASan sees any write past it.
// --team 32: each record is decoded by 32 threads as one Team, as homi_dec_zstd_warp's 32 lanes
// decode a page (a barrier for __syncwarp, a shared slot for the broadcasts and votes); run under
// ThreadSanitizer it checks that the lanes' syncs order every shared write before its reads.
#include <barrier>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

#include "../cuda/decode_zstd.cuh"

static bool read_all(FILE* f, void* p, size_t n) { return fread(p, 1, n, f) == n; }

// A simulated warp: every team operation is a barrier, as __syncwarp / __shfl_sync / __all_sync
// make the lanes converge.
struct HostWarp {
  explicit HostWarp(int n) : bar(n), flags(n) {}
  std::barrier<> bar;
  uint32_t slot = 0;
  std::vector<char> flags;
};

static void warp_sync(void* ctx) { static_cast<HostWarp*>(ctx)->bar.arrive_and_wait(); }

static uint32_t warp_bcast(void* ctx, int lane, uint32_t v) {
  HostWarp* w = static_cast<HostWarp*>(ctx);
  w->bar.arrive_and_wait();  // the slot's previous readers are done
  if (lane == 0) w->slot = v;
  w->bar.arrive_and_wait();
  uint32_t r = w->slot;
  w->bar.arrive_and_wait();  // every lane has read it
  return r;
}

static bool warp_all(void* ctx, int lane, bool v) {
  HostWarp* w = static_cast<HostWarp*>(ctx);
  w->bar.arrive_and_wait();
  w->flags[lane] = v;
  w->bar.arrive_and_wait();
  bool r = true;
  for (char f : w->flags) r = r && f;
  w->bar.arrive_and_wait();
  return r;
}

int main(int argc, char** argv) {
  int team = 1;
  if (argc == 5 && strcmp(argv[1], "--team") == 0) {
    team = atoi(argv[2]);
    argv += 2;
    argc -= 2;
  }
  if (argc != 3 || team < 1 || team > 32) {
    fprintf(stderr, "usage: zstd_harness [--team N] IN OUT\n");
    return 2;
  }
  FILE* in = fopen(argv[1], "rb");
  FILE* out = fopen(argv[2], "wb");
  if (!in || !out) {
    perror("open");
    return 2;
  }
  homi_zstd::ZstdWork* work = (homi_zstd::ZstdWork*)malloc(sizeof(homi_zstd::ZstdWork));
  memset(work, 0xa5, sizeof(*work));  // stale scratch, as a GPU worker sees it after another page
  uint32_t hdr[2];
  long records = 0;
  while (read_all(in, hdr, 8)) {
    // exact-size allocations (at least 1 byte so malloc(0) is not special): ASan catches overruns
    uint8_t* src = (uint8_t*)malloc(hdr[0] ? hdr[0] : 1);
    uint8_t* dst = (uint8_t*)malloc(hdr[1] ? hdr[1] : 1);
    if (!src || !dst || !read_all(in, src, hdr[0])) {
      fprintf(stderr, "record %ld: short input\n", records);
      return 2;
    }
    homi_zstd::ZstdResult r;
    if (team == 1) {
      r = homi_zstd::zstd_decompress(homi_zstd::Team{0, 1, nullptr}, *work, src, hdr[0], dst, hdr[1]);
    } else {
      HostWarp warp(team);
      homi_zstd::TeamHost ops{warp_sync, warp_bcast, warp_all, &warp};
      std::vector<homi_zstd::ZstdResult> rs(team);
      std::vector<std::thread> lanes;
      for (int l = 0; l < team; l++)
        lanes.emplace_back([&, l] {
          rs[l] = homi_zstd::zstd_decompress(homi_zstd::Team{l, team, &ops}, *work, src, hdr[0], dst, hdr[1]);
        });
      for (auto& t : lanes) t.join();
      r = rs[0];
      for (int l = 1; l < team; l++)
        if (rs[l].reason != r.reason || rs[l].at != r.at) {
          fprintf(stderr, "record %ld: lane %d ended with reason %d at %u, lane 0 with %d at %u\n", records, l,
                  rs[l].reason, rs[l].at, r.reason, r.at);
          return 3;
        }
    }
    int32_t head[2] = {r.reason, (int32_t)r.at};
    fwrite(head, 1, 8, out);
    if (r.reason == 0) fwrite(dst, 1, hdr[1], out);
    free(src);
    free(dst);
    records++;
  }
  fclose(out);
  fclose(in);
  free(work);
  fprintf(stderr, "sizeof(ZstdWork)=%zu records=%ld team=%d\n", sizeof(homi_zstd::ZstdWork), records, team);
  return 0;
}
