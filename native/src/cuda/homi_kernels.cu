// HOMI device code, one translation unit so the runtime loads a single module.
// Kernels are extern "C" so the host finds them by name with cuModuleGetFunction.
#include <cstdint>

// Sums bytes of a buffer into per-block partial sums (then on the host): the GPU-side
// checksum that proves bytes landed in device memory intact.
extern "C" __global__ void homi_checksum_bytes(const uint8_t* data, uint64_t n,
                                               unsigned long long* out) {
  uint64_t sum = 0;
  for (uint64_t i = blockIdx.x * (uint64_t)blockDim.x + threadIdx.x; i < n;
       i += (uint64_t)gridDim.x * blockDim.x) {
    // weight by position so swapped bytes change the result
    sum += (uint64_t)data[i] * ((i % 251) + 1);
  }
  atomicAdd(out, (unsigned long long)sum);
}

#include "homi_queue_client.cuh"
#include "decode_common.cuh"
#include "decode_snappy.cuh"
#include "decode_levels.cuh"
#include "decode_values.cuh"
#include "decode_delta.cuh"
#include "decode_dba.cuh"
#include "decode_zstd.cuh"

// Fetches a set of reads (e.g. a scan plan's column-chunk runs) into device memory by GPU
// threads submitting their own NVMe commands. Warp w drives queue pair w (queues[w] is the
// device address of its mapped memory) and serves reads w, w+W, w+2W, ...; up to `depth`
// (<= 32, < queue entries) commands per warp are in flight, each in its own staging slot.
// state[3w..3w+2] is warp w's {SQ tail, CQ head, phase}, {0, 0, 1} for a new queue pair.
// A warp that sees no completion for timeout_ns marks its outstanding reads STATUS_TIMEOUT and
// stops, so a dead mediator can never hang the GPU.
extern "C" __global__ void homi_fetch_ranges(const uint64_t* queues, uint32_t sq_entries,
                                             uint32_t cq_entries, uint64_t cq_off, uint64_t db_off,
                                             uint32_t nsid, homi::GpuRead* reads, uint32_t n_reads,
                                             uint8_t* dst, uint64_t staging_host,
                                             const uint8_t* staging_dev, uint64_t slot_bytes,
                                             uint32_t depth, uint64_t timeout_ns, uint32_t* state) {
  using namespace homi;
  const int lane = threadIdx.x & 31;
  const uint32_t warps_per_block = blockDim.x / 32;
  const uint32_t w = blockIdx.x * warps_per_block + threadIdx.x / 32;
  const uint32_t n_warps = gridDim.x * warps_per_block;
  QueueView q{(volatile uint8_t*)queues[w], sq_entries, cq_entries, cq_off, db_off};
  const uint64_t my_staging = (uint64_t)w * depth * slot_bytes;

  // Queue state survives launches: the mediator's SQ head and CQ tail/phase carry on.
  uint32_t next = w, sq_tail = state[3 * w], cq_head = state[3 * w + 1], phase = state[3 * w + 2], busy = 0;
  uint32_t slot_read[32];  // lane 0's: which read each staging slot holds
  uint64_t last_progress = now_ns();
  bool dead = false;

  while (true) {
    int done_slot = -1, done_status = 0;
    if (lane == 0) {
      bool submitted = false;
      while (next < n_reads && busy != ((depth == 32) ? 0xffffffffu : ((1u << depth) - 1))) {
        uint32_t slot = __ffs(~busy) - 1;
        GpuRead r = reads[next];
        busy |= 1u << slot;
        slot_read[slot] = next;
        write_read_sqe(q, sq_tail, slot, nsid, r.slba, r.nlb0, staging_host + my_staging + slot * slot_bytes,
                       (r.nlb0 + 1) * 4096u);
        sq_tail = (sq_tail + 1) % sq_entries;
        next += n_warps;
        submitted = true;
      }
      if (submitted) {
        __threadfence_system();           // SQEs visible to the host before the doorbell
        *q.sq_doorbell() = sq_tail;
      }
      if (busy) {
        volatile uint32_t* c = q.cqe(cq_head);
        uint32_t dw3 = c[3];
        if (((dw3 >> 16) & 1) == phase) {
          __threadfence_system();
          uint32_t cid = dw3 & 0xffff;
          done_slot = cid < 32 ? (int)cid : -1;
          done_status = (int)(dw3 >> 17);
          if (++cq_head == cq_entries) { cq_head = 0; phase ^= 1; }
          *q.cq_doorbell() = cq_head;      // CQ slot free for the mediator
          last_progress = now_ns();
        } else if (now_ns() - last_progress > timeout_ns) {
          dead = true;
        }
      }
    }
    done_slot = __shfl_sync(0xffffffff, done_slot, 0);
    done_status = __shfl_sync(0xffffffff, done_status, 0);
    uint32_t ridx = __shfl_sync(0xffffffff, done_slot >= 0 ? slot_read[done_slot] : 0, 0);
    if (done_slot >= 0) {
      GpuRead r = reads[ridx];
      if (done_status == 0) {
        const uint8_t* src = staging_dev + my_staging + done_slot * slot_bytes + r.skip;
        warp_copy(dst + r.dst_off, src, r.len, lane);
      }
      __syncwarp();
      if (lane == 0) {
        reads[ridx].status = done_status;
        busy &= ~(1u << done_slot);
      }
    }
    bool stop = __shfl_sync(0xffffffff, (int)(dead || (next >= n_reads && busy == 0)), 0);
    if (stop) {
      if (lane == 0 && dead) {
        for (uint32_t s = 0; s < 32; s++) if (busy & (1u << s)) reads[slot_read[s]].status = STATUS_TIMEOUT;
        for (uint32_t i = next; i < n_reads; i += n_warps) reads[i].status = STATUS_TIMEOUT;
      }
      if (lane == 0) { state[3 * w] = sq_tail; state[3 * w + 1] = cq_head; state[3 * w + 2] = phase; }
      break;
    }
  }
}
