// Definition levels -> one valid byte per row, then an exclusive prefix sum over those bytes
// gives each non-null row its position among the page's stored values, and the bytes pack into
// the Arrow validity bitmap. The same scan turns byte-array lengths into Arrow offsets.
#pragma once
#include "decode_common.cuh"

// Data page v1 stores its definition levels inside the (possibly compressed) body behind a
// 4-byte length, so their extent is known only once the body is uncompressed: one thread per
// v1 page with levels sets def_off/def_len/val_off/val_len from it.
extern "C" __global__ void homi_dec_v1_layout(homi_dec::PageEntry* pages, uint32_t n_pages, int* status) {
  using namespace homi_dec;
  for (uint32_t p = blockIdx.x * blockDim.x + threadIdx.x; p < n_pages; p += gridDim.x * blockDim.x) {
    PageEntry& pg = pages[p];
    if ((pg.flags & (PF_DICT | PF_V2 | PF_DEF)) != PF_DEF) continue;
    if (pg.data_len < 4) { fail(status, E_LEVELS, p, 0); continue; }
    uint32_t len = load_u32((const uint8_t*)pg.data);
    if (len > pg.data_len - 4) { fail(status, E_LEVELS, p, (int)len); continue; }
    pg.def_off = 4;
    pg.def_len = len;
    pg.val_off = 4 + len;
    pg.val_len = pg.data_len - 4 - len;
  }
}

// One warp per data page: valid[row] = (definition level == 1). Pages without levels (required
// columns) are all valid.
extern "C" __global__ void homi_dec_levels(const homi_dec::PageEntry* pages, uint32_t n_pages, uint8_t* valid,
                                           int* status) {
  using namespace homi_dec;
  const int lane = threadIdx.x & 31;
  const uint32_t warps = gridDim.x * (blockDim.x / 32);
  for (uint32_t w = blockIdx.x * (blockDim.x / 32) + threadIdx.x / 32; w < n_pages; w += warps) {
    PageEntry pg = pages[w];
    if (pg.flags & PF_DICT) continue;
    uint8_t* out = valid + pg.row_start;
    if (!(pg.flags & PF_DEF)) {
      for (uint32_t i = lane; i < pg.num_values; i += 32) out[i] = 1;
      continue;
    }
    if ((uint64_t)pg.def_off + pg.def_len > pg.data_len) {
      if (lane == 0) fail(status, E_LEVELS, w, 0);
      continue;
    }
    const uint8_t* d = (const uint8_t*)pg.data + pg.def_off;
    int err = warp_hybrid(d, d + pg.def_len, 1, pg.num_values, [&](uint32_t k, uint32_t v) { out[k] = (uint8_t)v; });
    if (err && lane == 0) fail(status, E_LEVELS, w, err - 1);
  }
}

namespace homi_dec {
constexpr int SCAN_THREADS = 1024;
constexpr int SCAN_ITEMS = 8;  // per thread
constexpr uint32_t SCAN_TILE = SCAN_THREADS * SCAN_ITEMS;

// Exclusive scan of one value per thread across the block; returns the block total too.
__device__ inline uint64_t block_exclusive_scan(uint64_t v, uint64_t* total) {
  __shared__ uint64_t warp_sums[32];
  const int lane = threadIdx.x & 31, warp = threadIdx.x / 32;
  uint64_t x = v;
  for (int d = 1; d < 32; d <<= 1) {
    uint64_t y = __shfl_up_sync(0xffffffff, x, d);
    if (lane >= d) x += y;
  }
  if (lane == 31) warp_sums[warp] = x;
  __syncthreads();
  if (warp == 0) {
    uint64_t s = lane < (int)(blockDim.x / 32) ? warp_sums[lane] : 0;
    for (int d = 1; d < 32; d <<= 1) {
      uint64_t y = __shfl_up_sync(0xffffffff, s, d);
      if (lane >= d) s += y;
    }
    warp_sums[lane] = s;  // inclusive
  }
  __syncthreads();
  uint64_t before = warp == 0 ? 0 : warp_sums[warp - 1];
  *total = warp_sums[blockDim.x / 32 - 1];
  __syncthreads();
  return before + x - v;
}

template <typename T>
__device__ void scan_tile_sums(const T* in, uint32_t n, uint64_t* tile_sums) {
  uint64_t base = (uint64_t)blockIdx.x * SCAN_TILE + (uint64_t)threadIdx.x * SCAN_ITEMS;
  uint64_t s = 0;
  for (int i = 0; i < SCAN_ITEMS; i++) if (base + i < n) s += in[base + i];
  uint64_t total;
  block_exclusive_scan(s, &total);
  if (threadIdx.x == 0) tile_sums[blockIdx.x] = total;
}

template <typename T>
__device__ void scan_tile_apply(const T* in, uint32_t n, const uint64_t* tile_offsets, uint32_t* out,
                                uint64_t limit, int* status) {
  uint64_t base = (uint64_t)blockIdx.x * SCAN_TILE + (uint64_t)threadIdx.x * SCAN_ITEMS;
  T v[SCAN_ITEMS];
  uint64_t s = 0;
  for (int i = 0; i < SCAN_ITEMS; i++) {
    v[i] = base + i < n ? in[base + i] : 0;
    s += v[i];
  }
  uint64_t total;
  uint64_t run = block_exclusive_scan(s, &total) + tile_offsets[blockIdx.x];
  for (int i = 0; i < SCAN_ITEMS; i++) {
    if (base + i < n) out[base + i] = (uint32_t)run;
    run += v[i];
  }
  if (base < n && base + SCAN_ITEMS >= n) {  // the thread holding the last item writes out[n]
    out[n] = (uint32_t)run;
    if (run > limit) fail(status, E_OFFSETS_OVERFLOW, -1, 0);
  }
}
}  // namespace homi_dec

// Pass 1 of the exclusive scan: one sum per tile of SCAN_TILE items.
extern "C" __global__ void homi_dec_scan_sums_u8(const uint8_t* in, uint32_t n, uint64_t* tile_sums) {
  homi_dec::scan_tile_sums(in, n, tile_sums);
}
extern "C" __global__ void homi_dec_scan_sums_u32(const uint32_t* in, uint32_t n, uint64_t* tile_sums) {
  homi_dec::scan_tile_sums(in, n, tile_sums);
}

// Pass 2: one block turns tile sums into exclusive tile offsets, in place.
extern "C" __global__ void homi_dec_scan_tiles(uint64_t* tile_sums, uint32_t n_tiles) {
  uint64_t carry = 0;
  for (uint32_t base = 0; base < n_tiles; base += blockDim.x) {
    uint32_t i = base + threadIdx.x;
    uint64_t v = i < n_tiles ? tile_sums[i] : 0;
    uint64_t total;
    uint64_t ex = homi_dec::block_exclusive_scan(v, &total);
    if (i < n_tiles) tile_sums[i] = carry + ex;
    carry += total;
    __syncthreads();
  }
}

// Pass 3: out[i] = sum of in[0..i), out[n] = the total; a total above `limit` is an error
// (Arrow's 32-bit string offsets).
extern "C" __global__ void homi_dec_scan_apply_u8(const uint8_t* in, uint32_t n, const uint64_t* tile_offsets,
                                                  uint32_t* out, int* status) {
  homi_dec::scan_tile_apply(in, n, tile_offsets, out, 0xffffffffull, status);
}
extern "C" __global__ void homi_dec_scan_apply_u32(const uint32_t* in, uint32_t n, const uint64_t* tile_offsets,
                                                   uint32_t* out, int* status) {
  homi_dec::scan_tile_apply(in, n, tile_offsets, out, 0x7fffffffull, status);
}

// Packs one byte per row (0/1) into an LSB-first Arrow bitmap: one thread per output byte.
extern "C" __global__ void homi_dec_pack_bits(const uint8_t* bytes, uint32_t n, uint8_t* bitmap) {
  uint32_t nb = (n + 7) / 8;
  for (uint32_t j = blockIdx.x * blockDim.x + threadIdx.x; j < nb; j += gridDim.x * blockDim.x) {
    uint32_t b = 0;
    for (uint32_t i = 0; i < 8; i++) {
      uint32_t r = j * 8 + i;
      if (r < n && bytes[r]) b |= 1u << i;
    }
    bitmap[j] = (uint8_t)b;
  }
}
