// DELTA_BINARY_PACKED values of INT32 / INT64 pages (and the types stored in them), one warp per
// page: every lane parses the same header and block headers (broadcast loads), then the lanes
// unpack 32 deltas of a miniblock at once and a warp prefix sum turns them into values, carrying
// the last value to the next 32. Arithmetic is unsigned 64-bit, i.e. mod 2^64, which truncated
// to 32 bits is also the INT32 result (as parquet-java and the CPU decoder,
// io.homi.runtime.parquet.DeltaBinaryPackedDecoder, whose checks this mirrors).
// Values land densely at dvals[pos[row_start] ...], as ids do for dictionary pages.
// DELTA_LENGTH_BYTE_ARRAY pages start with such a stream of the values' lengths: decoded the same
// way, and the byte offset where the stream ends (the values' bytes begin) goes to the page's aux.
// DELTA_BYTE_ARRAY pages (prefix lengths, suffix lengths, suffix bytes): decode_dba.cuh.
#pragma once
#include "decode_common.cuh"

namespace homi_dec {

// ULEB128 of at most 10 bytes; false when it runs past end or is longer.
__device__ inline bool delta_varint(const uint8_t*& p, const uint8_t* end, uint64_t& v) {
  v = 0;
  for (int shift = 0; shift < 70; shift += 7) {
    if (p >= end) return false;
    uint32_t b = *p++;
    v |= (uint64_t)(b & 0x7f) << shift;
    if (!(b & 0x80)) return true;
  }
  return false;
}

__device__ inline uint64_t delta_zigzag(uint64_t n) { return (n >> 1) ^ (0 - (n & 1)); }

// The w-bit value (w in 1..64) at bit offset `bit` of the little-endian bit stream at p; bytes at
// or past end read as 0 (the checks before guarantee the value's own bits are inside).
__device__ inline uint64_t delta_bits(const uint8_t* p, const uint8_t* end, uint64_t bit, uint32_t w) {
  const uint8_t* q = p + (bit >> 3);
  const uint32_t sh = (uint32_t)(bit & 7);
  uint64_t lo = 0;
  if (q + 8 <= end) {
    for (int j = 0; j < 8; j++) lo |= (uint64_t)q[j] << (8 * j);
  } else {
    for (int j = 0; j < 8; j++) lo |= (uint64_t)byte_or_zero(q + j, end) << (8 * j);
  }
  uint64_t x = lo >> sh;
  if (sh + w > 64) x |= (uint64_t)byte_or_zero(q + 8, end) << (64 - sh);
  return w == 64 ? x : (x & ((1ull << w) - 1));
}

}  // namespace homi_dec

namespace homi_dec {

// One DELTA_BINARY_PACKED stream in [p, end), a whole warp together: `need` values are read
// (store(k, v) gets each, lanes in parallel; the caller keeps what it wants) and p ends where the
// stream's last needed miniblock ends. Values are summed mod 2^64. Returns 0, or an Err code with
// `detail` (a byte offset from `start`, a bit width or a count). `n` = the values the page needs.
template <typename Store>
__device__ int delta_stream(const uint8_t*& p, const uint8_t* start, const uint8_t* end, uint32_t n, bool whole,
                            Store store, int& detail) {
  const int lane = threadIdx.x & 31;
  uint64_t block, mbs, count, first;
  if (!delta_varint(p, end, block) || !delta_varint(p, end, mbs) || !delta_varint(p, end, count) ||
      !delta_varint(p, end, first)) {
    detail = (int)(p - start);
    return E_DELTA_HEADER;
  }
  if (block == 0 || block % 128 != 0 || block > (1u << 20) || mbs == 0 || block % mbs != 0 || (block / mbs) % 8 != 0) {
    detail = (int)(p - start);
    return E_DELTA_HEADER;
  }
  if (count < n || count > 0x7fffffffull) {  // the page's non-null rows need that many values
    detail = (int)min(count, (uint64_t)0x7fffffff);
    return E_DELTA_COUNT;
  }
  const uint32_t per_mb = (uint32_t)(block / mbs);
  // whole: the stream is read to its end (what follows starts there); else values past n are skipped
  const uint32_t need = whole ? (uint32_t)count : n;
  uint64_t last = delta_zigzag(first);
  if (lane == 0 && need > 0) store(0u, last);
  uint32_t k = 1;  // values read
  while (k < need) {
    uint64_t zz;
    if (!delta_varint(p, end, zz) || (uint64_t)(end - p) < mbs) {
      detail = (int)(p - start);
      return E_DELTA_HEADER;
    }
    const uint64_t min_delta = delta_zigzag(zz);
    const uint8_t* widths = p;
    p += mbs;
    for (uint32_t mb = 0; mb < mbs && k < need; mb++) {
      const uint32_t bw = widths[mb];
      if (bw > 64) {
        detail = (int)bw;
        return E_DELTA_WIDTH;
      }
      const uint32_t take = min(per_mb, need - k);
      if ((uint64_t)(p - start) * 8 + (uint64_t)take * bw > (uint64_t)(end - start) * 8) {
        detail = (int)(p - start);
        return E_DELTA_SHORT;
      }
      for (uint32_t c = 0; c < take; c += 32) {
        const uint32_t i = c + lane;
        uint64_t d = min_delta;
        if (i < take && bw > 0) d += delta_bits(p, end, (uint64_t)i * bw, bw);
        d = warp_inclusive_sum(d, lane);  // value i = last + deltas 0..i
        const uint64_t v = last + d;
        if (i < take) store(k + i, v);
        last = __shfl_sync(0xffffffffu, v, (int)min(31u, take - 1 - c));
      }
      k += take;
      const uint64_t bytes = (uint64_t)per_mb * bw / 8;
      p = (uint64_t)(end - p) < bytes ? end : p + bytes;
    }
  }
  return 0;
}

}  // namespace homi_dec

// DELTA_BYTE_ARRAY pages hold two such streams, prefix lengths then suffix lengths (then the suffix
// bytes): both are read whole, each length checked to be 0..INT32_MAX (DeltaBinaryPackedDecoder.readAllInts),
// and stored packed as dvals[pos] = prefix | suffix << 32; aux = where the suffix bytes start.
extern "C" __global__ void homi_dec_delta(homi_dec::PageEntry* pages, uint32_t n_pages, const uint32_t* pos,
                                          uint64_t* dvals, int* status) {
  using namespace homi_dec;
  const int lane = threadIdx.x & 31;
  const uint32_t warps = gridDim.x * (blockDim.x / 32);
  for (uint32_t w = blockIdx.x * (blockDim.x / 32) + threadIdx.x / 32; w < n_pages; w += warps) {
    const PageEntry pg = pages[w];
    const bool lengths = pg.encoding == ENC_DELTA_LENGTH_BYTE_ARRAY;
    const bool dba = pg.encoding == ENC_DELTA_BYTE_ARRAY;
    if ((pg.flags & PF_DICT) || (pg.encoding != ENC_DELTA_BINARY_PACKED && !lengths && !dba)) continue;
    // an all-null page (n == 0) is still parsed: its header and lengths are checked as the CPU
    // decoder checks them (a corrupt header there was read by the GPU, refused by the CPU)
    const uint32_t n = page_values(pg, pos);
    if ((uint64_t)pg.val_off + pg.val_len > pg.data_len) {
      if (lane == 0) fail(status, E_DELTA_SHORT, w, 0);
      continue;
    }
    uint64_t* out = dvals + pos[pg.row_start];
    const uint8_t* start = (const uint8_t*)pg.data + pg.val_off;
    const uint8_t* end = start + pg.val_len;
    const uint8_t* p = start;
    int detail = 0, err;
    if (dba) {
      bool range = true;  // every length 0..INT32_MAX, as the CPU decoder requires
      err = delta_stream(p, start, end, n, true, [&](uint32_t k, uint64_t v) {
        if (v > 0x7fffffffull) range = false;
        if (k < n) out[k] = v;
      }, detail);
      __syncwarp();  // the suffix stream below ORs into words other lanes wrote
      if (!err) {
        err = delta_stream(p, start, end, n, true, [&](uint32_t k, uint64_t v) {
          if (v > 0x7fffffffull) range = false;
          if (k < n) out[k] |= v << 32;
        }, detail);
      }
      if (!err && __any_sync(0xffffffffu, !range)) {
        err = E_DBA_LENGTH;
        detail = -1;
      }
    } else {
      err = delta_stream(p, start, end, n, lengths, [&](uint32_t k, uint64_t v) {
        if (k < n) out[k] = v;
      }, detail);
    }
    if (err) {
      if (lane == 0) fail(status, err, w, detail);
    } else if ((lengths || dba) && lane == 0) {
      pages[w].aux = (int32_t)(p - start);
    }
    __syncwarp();
  }
}

// Start of a DELTA_LENGTH_BYTE_ARRAY / DELTA_BYTE_ARRAY page (encoding enc) for its warp: the
// page's rows' lens zeroed first (a page found corrupt then copies no bytes; the host raises the
// error), its stored-value count in *n, and where its bytes start (page.aux) checked. False: skip
// the page (another encoding, no stored values, or corrupt and reported).
__device__ inline bool delta_ba_page(const homi_dec::PageEntry& pg, int enc, uint32_t w, int lane, const uint32_t* pos,
                                     uint32_t* lens, int* status, uint32_t* n) {
  using namespace homi_dec;
  if ((pg.flags & PF_DICT) || pg.encoding != enc) return false;
  for (uint32_t i = lane; i < pg.num_values; i += 32) lens[pg.row_start + i] = 0;
  *n = page_values(pg, pos);
  if (*n == 0) return false;
  if (pg.aux < 0 || (uint32_t)pg.aux > pg.val_len) {
    if (lane == 0) fail(status, E_BYTE_ARRAY, w, 0);
    return false;
  }
  return true;
}

// DELTA_LENGTH_BYTE_ARRAY pages of a byte-array column, one warp per page: each stored value's
// length (homi_dec_delta put them in dvals) and address (a warp prefix sum of the lengths from
// where the bytes start, page.aux), every length checked against the page's bytes; lens per row
// (0 for nulls) as homi_dec_ba_plain writes them.
extern "C" __global__ void homi_dec_ba_dlba(const homi_dec::PageEntry* pages, uint32_t n_pages, const uint8_t* valid,
                                            const uint32_t* pos, const uint64_t* dvals, uint32_t* lens, uint64_t* srcs,
                                            int* status) {
  using namespace homi_dec;
  const int lane = threadIdx.x & 31;
  const uint32_t warps = gridDim.x * (blockDim.x / 32);
  for (uint32_t w = blockIdx.x * (blockDim.x / 32) + threadIdx.x / 32; w < n_pages; w += warps) {
    const PageEntry pg = pages[w];
    uint32_t n;
    if (!delta_ba_page(pg, ENC_DELTA_LENGTH_BYTE_ARRAY, w, lane, pos, lens, status, &n)) continue;
    const uint32_t ds = pos[pg.row_start];
    const uint8_t* bytes = (const uint8_t*)pg.data + pg.val_off + pg.aux;
    const uint64_t avail = pg.val_len - (uint32_t)pg.aux;
    uint64_t carry = 0;
    bool ok = true;
    for (uint32_t c = 0; c < n; c += 32) {
      const uint32_t j = c + lane;
      const uint64_t len = j < n ? dvals[ds + j] : 0;
      const bool neg = (int64_t)len < 0 || len > 0x7fffffffull;
      const uint64_t incl = warp_inclusive_sum(neg ? 0 : len, lane);
      const uint64_t end = carry + incl;
      const bool over = j < n && (neg || end > avail);
      const unsigned bad = __ballot_sync(0xffffffffu, over);
      if (bad) {
        if (lane == __ffs(bad) - 1) fail(status, E_BYTE_ARRAY, w, (int)j);
        ok = false;
        break;
      }
      if (j < n) srcs[ds + j] = (uint64_t)(bytes + end - len);
      carry = __shfl_sync(0xffffffffu, end, 31);
    }
    if (!ok) continue;
    __syncwarp();
    // lengths per non-null row: the stored value at pos[r]
    for (uint32_t i = lane; i < pg.num_values; i += 32) {
      const uint32_t r = pg.row_start + i;
      if (valid[r]) lens[r] = (uint32_t)dvals[pos[r]];
    }
  }
}
