// Host harness for decode_zstd.cuh: the same decoder the homi_dec_zstd kernel runs, compiled by
// gcc (with AddressSanitizer / UBSan when the test asks) so that ZstdHarnessTest can check it
// against zstd-jni on real pages and hostile frames without a GPU.
//
// Input file (argv[1]): records of [u32 compressed length][u32 declared size][compressed bytes].
// Output file (argv[2]): per record [i32 reason][u32 input offset][declared size bytes if reason 0].
// Each record is decoded into an exactly-sized heap buffer so that ASan sees any write past it.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "../cuda/decode_zstd.cuh"

static bool read_all(FILE* f, void* p, size_t n) { return fread(p, 1, n, f) == n; }

int main(int argc, char** argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: zstd_harness IN OUT\n");
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
    homi_zstd::ZstdResult r = homi_zstd::zstd_decompress(homi_zstd::Team{0, 1}, *work, src, hdr[0], dst, hdr[1]);
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
  fprintf(stderr, "sizeof(ZstdWork)=%zu records=%ld\n", sizeof(homi_zstd::ZstdWork), records);
  return 0;
}
