// BaM-style device-side NVMe queue client, against queue pairs the HOST provisions in
// GPU-mapped pinned memory and a host mediator serves (it validates every command against the
// namespace's grant and the registered buffers, exactly as for host initiators).
//
// One warp owns one queue pair. Lane 0 builds 64-byte read SQEs (SGL data block pointing at a
// registered pinned staging slot), publishes them with __threadfence_system() before the SQ
// tail doorbell store, and polls CQEs by phase tag; the whole warp then copies the landed bytes
// from the staging slot into device memory. Layout matches io.homi.runtime.nvme.QueuePair:
// [SQ ring][CQ ring][SQ tail doorbell, 64 B line][CQ head doorbell, 64 B line].
#pragma once
#include <cstdint>

namespace homi {

constexpr uint32_t OPC_READ = 0x02;
constexpr uint32_t PSDT_SGL = 1;
constexpr int STATUS_TIMEOUT = -1;      // no completion within the timeout: mediator gone
constexpr int STATUS_PENDING = -2;      // never submitted (only seen if the kernel aborted)

// One read the GPU asks for: whole 4 KiB blocks at slba, of which `len` bytes starting `skip`
// bytes in are wanted at dst + dst_off (unaligned heads and tails are cut out here).
struct GpuRead {
  uint64_t slba;
  uint32_t nlb0;      // blocks - 1, as NVMe encodes it
  uint32_t skip;
  uint64_t dst_off;
  uint32_t len;
  int32_t status;     // out: 0 success, NVMe status field (DW3 >> 17), or STATUS_*
};
static_assert(sizeof(GpuRead) == 32, "GpuRead is 32 bytes on host and device");

struct QueueView {
  volatile uint8_t* base;   // device view of the queue pair's mapped pinned memory
  uint32_t sq_entries, cq_entries;
  uint64_t cq_off, db_off;
  __device__ volatile uint32_t* sqe(uint32_t slot) const { return (volatile uint32_t*)(base + slot * 64ull); }
  __device__ volatile uint32_t* cqe(uint32_t slot) const { return (volatile uint32_t*)(base + cq_off + slot * 16ull); }
  __device__ volatile uint32_t* sq_doorbell() const { return (volatile uint32_t*)(base + db_off); }
  __device__ volatile uint32_t* cq_doorbell() const { return (volatile uint32_t*)(base + db_off + 64); }
};

__device__ inline uint64_t now_ns() {
  uint64_t t;
  asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(t));
  return t;
}

// Writes one SGL read command; DW0 (opcode, PSDT, CID) is stored last so a torn entry never
// looks like a different valid command.
__device__ inline void write_read_sqe(const QueueView& q, uint32_t slot, uint32_t cid, uint32_t nsid,
                                      uint64_t slba, uint32_t nlb0, uint64_t host_addr, uint32_t bytes) {
  volatile uint32_t* e = q.sqe(slot);
  for (int i = 1; i < 16; i++) e[i] = 0;
  e[1] = nsid;
  e[6] = (uint32_t)host_addr;
  e[7] = (uint32_t)(host_addr >> 32);
  e[8] = bytes;
  e[9] = 0;  // byte 39 = SGL id: type 0 (data block) << 4
  e[10] = (uint32_t)slba;
  e[11] = (uint32_t)(slba >> 32);
  e[12] = nlb0 & 0xffff;
  e[0] = OPC_READ | (PSDT_SGL << 14) | (cid << 16);
}

// Copies len bytes from mapped host staging to device memory with the whole warp. Loads are
// ld.global.cv (__ldcv): never served from a cache line left by an earlier use of the slot.
// Zero-copy loads cross PCIe with microseconds of latency, so each lane keeps COPY_UNROLL
// independent 16-byte loads in flight before storing any (one load per lane at a time capped a
// warp near 0.35 GB/s).
constexpr int COPY_UNROLL = 8;
__device__ inline void warp_copy(uint8_t* dst, const uint8_t* src, uint64_t len, int lane) {
  if ((((uintptr_t)dst | (uintptr_t)src) & 15) == 0) {
    uint64_t n16 = len / 16;
    const uint4* s = (const uint4*)src;
    uint4* d = (uint4*)dst;
    uint64_t i = lane;
    for (; i + 32ull * (COPY_UNROLL - 1) < n16; i += 32ull * COPY_UNROLL) {
      uint4 v[COPY_UNROLL];
#pragma unroll
      for (int u = 0; u < COPY_UNROLL; u++) v[u] = __ldcv(s + i + 32ull * u);
#pragma unroll
      for (int u = 0; u < COPY_UNROLL; u++) d[i + 32ull * u] = v[u];
    }
    for (; i < n16; i += 32) d[i] = __ldcv(s + i);
    for (uint64_t j = n16 * 16 + lane; j < len; j += 32) dst[j] = __ldcv(src + j);
  } else {
    uint64_t i = lane;
    for (; i + 32ull * (COPY_UNROLL - 1) < len; i += 32ull * COPY_UNROLL) {
      uint8_t v[COPY_UNROLL];
#pragma unroll
      for (int u = 0; u < COPY_UNROLL; u++) v[u] = __ldcv(src + i + 32ull * u);
#pragma unroll
      for (int u = 0; u < COPY_UNROLL; u++) dst[i + 32ull * u] = v[u];
    }
    for (; i < len; i += 32) dst[i] = __ldcv(src + i);
  }
}

}  // namespace homi
