// DELTA_BYTE_ARRAY (incremental) pages of a byte-array column: value j = the first prefix[j] bytes
// of value j-1, then suffix j. homi_dec_delta left prefix | suffix_length << 32 in dvals (at pos[])
// and where the suffix bytes start in the page's aux. Two kernels, one warp per page each:
//  - homi_dec_ba_dba_lens, before the offsets scan: every length and check is independent of the
//    bytes (prefix[j] <= length of value j-1, the first prefix 0, lengths within INT32_MAX, suffix
//    bytes inside the page), so the lanes take 32 values at a time; lens per row as the other
//    byte-array kernels write them, and source address 0 so homi_dec_ba_copy leaves these rows alone;
//  - homi_dec_ba_dba_copy, after it: the bytes, value after value (the only serial dependency:
//    a prefix is copied from the previous value's output), the lanes copying one value together.
// The checks mirror io.homi.runtime.parquet.DeltaByteArrays.
#pragma once
#include "decode_common.cuh"
#include "decode_delta.cuh"  // delta_ba_page

extern "C" __global__ void homi_dec_ba_dba_lens(const homi_dec::PageEntry* pages, uint32_t n_pages, const uint8_t* valid,
                                                const uint32_t* pos, const uint64_t* dvals, uint32_t* lens, uint64_t* srcs,
                                                int* status) {
  using namespace homi_dec;
  const int lane = threadIdx.x & 31;
  const uint32_t warps = gridDim.x * (blockDim.x / 32);
  for (uint32_t w = blockIdx.x * (blockDim.x / 32) + threadIdx.x / 32; w < n_pages; w += warps) {
    const PageEntry pg = pages[w];
    uint32_t n;
    if (!delta_ba_page(pg, ENC_DELTA_BYTE_ARRAY, w, lane, pos, lens, status, &n)) continue;
    const uint32_t ds = pos[pg.row_start];
    const uint64_t avail = pg.val_len - (uint32_t)pg.aux;
    uint64_t carry = 0;     // suffix bytes before this group of 32
    uint64_t prev_len = 0;  // length of the value before this group (none before the first: 0)
    bool ok = true;
    for (uint32_t c = 0; c < n; c += 32) {
      const uint32_t j = c + lane;
      const uint64_t pw = j < n ? dvals[ds + j] : 0;
      const uint64_t pre = pw & 0xffffffffull, suf = pw >> 32;  // each 0..INT32_MAX (homi_dec_delta checked)
      const uint64_t len = pre + suf;
      uint64_t before = __shfl_up_sync(0xffffffffu, len, 1);
      if (lane == 0) before = prev_len;
      const uint64_t incl = warp_inclusive_sum(suf, lane);
      const uint64_t end = carry + incl;
      int code = 0;
      if (j < n) {
        if (pre > before) code = E_DBA_PREFIX;
        else if (len > 0x7fffffffull) code = E_DBA_LENGTH;
        else if (end > avail) code = E_BYTE_ARRAY;
      }
      const unsigned bad = __ballot_sync(0xffffffffu, code != 0);
      if (bad) {
        if (lane == __ffs(bad) - 1) fail(status, code, w, (int)j);
        ok = false;
        break;
      }
      if (j < n) srcs[ds + j] = 0;
      carry = __shfl_sync(0xffffffffu, end, 31);
      prev_len = __shfl_sync(0xffffffffu, len, (int)min(31u, n - 1 - c));
    }
    if (!ok) continue;
    __syncwarp();
    for (uint32_t i = lane; i < pg.num_values; i += 32) {
      const uint32_t r = pg.row_start + i;
      if (valid[r]) {
        const uint64_t pw = dvals[pos[r]];
        lens[r] = (uint32_t)((pw & 0xffffffffull) + (pw >> 32));
      }
    }
  }
}

// `offsets` is indexed by global row (the caller shifts the column's buffer by its row base).
// Skipped once the column reported an error: lens may then not match the page.
extern "C" __global__ void homi_dec_ba_dba_copy(const homi_dec::PageEntry* pages, uint32_t n_pages, const uint8_t* valid,
                                                const uint32_t* pos, const uint64_t* dvals, const uint32_t* offsets,
                                                uint8_t* data, const int* status) {
  using namespace homi_dec;
  const int lane = threadIdx.x & 31;
  const uint32_t warps = gridDim.x * (blockDim.x / 32);
  if (failed(status)) return;
  for (uint32_t w = blockIdx.x * (blockDim.x / 32) + threadIdx.x / 32; w < n_pages; w += warps) {
    const PageEntry pg = pages[w];
    if ((pg.flags & PF_DICT) || pg.encoding != ENC_DELTA_BYTE_ARRAY) continue;
    const uint32_t ds = pos[pg.row_start];
    if (page_values(pg, pos) == 0) continue;
    const uint8_t* suffix = (const uint8_t*)pg.data + pg.val_off + pg.aux;
    const uint8_t* prev = nullptr;
    uint32_t j = 0;  // stored values so far
    for (uint32_t i0 = 0; i0 < pg.num_values; i0 += 32) {
      const uint32_t r = pg.row_start + i0 + lane;
      unsigned rows = __ballot_sync(0xffffffffu, i0 + lane < pg.num_values && valid[r]);
      while (rows) {
        const int l = __ffs(rows) - 1;
        rows &= rows - 1;
        const uint32_t row = pg.row_start + i0 + l;
        const uint64_t pw = dvals[ds + j];
        const uint32_t pre = (uint32_t)(pw & 0xffffffffull), suf = (uint32_t)(pw >> 32);
        uint8_t* dst = data + offsets[row];
        for (uint32_t b = lane; b < pre; b += 32) dst[b] = prev[b];
        for (uint32_t b = lane; b < suf; b += 32) dst[pre + b] = suffix[b];
        __syncwarp();  // the next value's prefix is read from these bytes by other lanes
        prev = dst;
        suffix += suf;
        j++;
      }
    }
  }
}
