// Values of data pages into Arrow buffers. Every kernel gets the column's page table, the
// per-row valid bytes and their exclusive scan `pos` (pos[r] = stored values before row r in the
// column; pos[page.row_start] is where the page's values start), so each row finds its own value
// without walking the page: PLAIN fixed width by arithmetic, dictionary and RLE values through
// `ids` (the page's hybrid-decoded values, stored densely at pos[]).
#pragma once
#include "decode_common.cuh"

namespace homi_dec {
__device__ inline uint32_t page_values(const PageEntry& pg, const uint32_t* pos) {
  return pos[pg.row_start + pg.num_values] - pos[pg.row_start];
}
__device__ inline bool is_dict_enc(uint16_t e) { return e == ENC_PLAIN_DICTIONARY || e == ENC_RLE_DICTIONARY; }
}  // namespace homi_dec

// One warp per data page whose values are hybrid-encoded: dictionary indices (a bit-width byte,
// then the hybrid) and RLE booleans (a 4-byte length, then the hybrid at width 1).
extern "C" __global__ void homi_dec_hybrid_values(const homi_dec::PageEntry* pages, uint32_t n_pages,
                                                  const uint32_t* pos, uint32_t* ids, int* status) {
  using namespace homi_dec;
  const int lane = threadIdx.x & 31;
  const uint32_t warps = gridDim.x * (blockDim.x / 32);
  for (uint32_t w = blockIdx.x * (blockDim.x / 32) + threadIdx.x / 32; w < n_pages; w += warps) {
    PageEntry pg = pages[w];
    if (pg.flags & PF_DICT) continue;
    bool dict = is_dict_enc(pg.encoding);
    if (!dict && pg.encoding != ENC_RLE) continue;
    if ((uint64_t)pg.val_off + pg.val_len > pg.data_len) {
      if (lane == 0) fail(status, E_IDS, w, 0);
      continue;
    }
    uint32_t n = page_values(pg, pos);
    uint32_t* out = ids + pos[pg.row_start];
    const uint8_t* d = (const uint8_t*)pg.data + pg.val_off;
    const uint8_t* end = d + pg.val_len;
    int bw;
    if (dict) {
      if (pg.aux < 0) {
        if (lane == 0) fail(status, E_NO_DICT, w, 0);
        continue;
      }
      if (pg.val_len == 0) {
        bw = 0;  // an all-null page stores no indices
      } else {
        bw = *d++;
        if (bw > 32) {
          if (lane == 0) fail(status, E_IDS, w, 0);
          continue;
        }
      }
    } else {
      if (pg.val_len < 4) {
        if (lane == 0) fail(status, E_IDS, w, 0);
        continue;
      }
      uint32_t len = load_u32(d);
      if (len > pg.val_len - 4) {
        if (lane == 0) fail(status, E_IDS, w, 0);
        continue;
      }
      d += 4;
      end = d + len;
      bw = 1;
    }
    int err = warp_hybrid(d, end, bw, n, [&](uint32_t k, uint32_t v) { out[k] = v; });
    if (err && lane == 0) fail(status, E_IDS, w, err - 1);
  }
}

// Fixed-width values, one block per page: out_w bytes per row (in_w = the stored width; INT8 and
// INT16 are stored as 4 bytes and truncated as the CPU decoder does; out_w 16 = Decimal128).
// `conv` (Conv) converts the stored value. Null rows get zeros.
// Booleans (in_w == 0) produce one byte per row here; homi_dec_pack_bits packs them.
// DELTA_BINARY_PACKED pages were decoded by homi_dec_delta into dvals (at pos[]).
extern "C" __global__ void homi_dec_fixed(const homi_dec::PageEntry* pages, uint32_t n_pages, const uint8_t* valid,
                                          const uint32_t* pos, const uint32_t* ids, const uint64_t* dvals, uint8_t* out,
                                          uint32_t in_w, uint32_t out_w, uint32_t conv, int* status) {
  using namespace homi_dec;
  // gridDim.x = n_pages * per: `per` blocks share a page so a few large pages still fill the GPU
  const uint32_t per = max(1u, gridDim.x / n_pages);
  for (uint32_t p = blockIdx.x / per; p < n_pages; p += gridDim.x / per) {
    const uint32_t part = blockIdx.x % per;
    const PageEntry pg = pages[p];
    if (pg.flags & PF_DICT) continue;
    const uint32_t ds = pos[pg.row_start];
    const bool dict = is_dict_enc(pg.encoding);
    const bool rle = pg.encoding == ENC_RLE;
    const bool delta = pg.encoding == ENC_DELTA_BINARY_PACKED;
    const bool bss = pg.encoding == ENC_BYTE_STREAM_SPLIT;
    const uint8_t* vals = (const uint8_t*)pg.data + pg.val_off;
    uint32_t vlen = pg.val_len;
    uint32_t dict_n = 0;
    uint32_t streams = 0;  // BYTE_STREAM_SPLIT: values per byte stream
    if (dict) {
      if (pg.aux < 0) {
        if (threadIdx.x == 0) fail(status, E_NO_DICT, p, 0);
        continue;
      }
      const PageEntry dp = pages[pg.aux];
      vals = (const uint8_t*)dp.data + dp.val_off;
      vlen = dp.val_len;
      dict_n = dp.num_values;
    } else if (bss) {
      if (in_w == 0 || vlen % in_w != 0 || vlen / in_w < page_values(pg, pos)) {
        if (threadIdx.x == 0) fail(status, E_BSS, p, (int)vlen);
        continue;
      }
      streams = vlen / in_w;
    } else if (!rle && !delta && pg.encoding != ENC_PLAIN) {
      continue;  // the host refuses other encodings before launching
    }
    for (uint32_t i = part * blockDim.x + threadIdx.x; i < pg.num_values; i += per * blockDim.x) {
      const uint32_t r = pg.row_start + i;
      uint64_t v = 0;
      if (conv == CONV_BEDEC) {  // PLAIN, dictionary or BYTE_STREAM_SPLIT bytes, big-endian, sign-extended
        uint64_t lo = 0, hi = 0;
        if (valid[r]) {
          uint64_t idx = pos[r] - ds;
          if (dict) {
            idx = ids[pos[r]];
            if (idx >= dict_n) { fail(status, E_DICT_INDEX, p, (int)idx); idx = 0; }
          }
          if (!bss && (idx + 1) * in_w > vlen) {
            fail(status, E_PLAIN_SHORT, p, (int)idx);
          } else {
            auto byte_at = [&](uint32_t b) -> uint64_t {
              return bss ? vals[(uint64_t)b * streams + idx] : vals[idx * in_w + b];
            };
            lo = hi = (byte_at(0) & 0x80) ? ~0ull : 0ull;
            for (uint32_t b = 0; b < in_w; b++) {
              hi = (hi << 8) | (lo >> 56);
              lo = (lo << 8) | byte_at(b);
            }
          }
        }
        ((uint64_t*)out)[2 * (uint64_t)r] = lo;
        ((uint64_t*)out)[2 * (uint64_t)r + 1] = hi;
        continue;
      }
      if (valid[r]) {
        uint64_t idx = pos[r] - ds;  // the value's position among the page's stored values
        if (dict || rle) {
          idx = ids[pos[r]];
          if (dict && idx >= dict_n) {
            fail(status, E_DICT_INDEX, p, (int)idx);
            idx = 0;
          }
        }
        if (delta) {
          v = dvals[pos[r]];
        } else if (bss) {
          for (uint32_t b = 0; b < in_w; b++) v |= (uint64_t)vals[(uint64_t)b * streams + idx] << (8 * b);
        } else if (rle) {
          v = idx;
        } else if (in_w == 0) {
          if (idx >= (uint64_t)vlen * 8) {
            fail(status, E_PLAIN_SHORT, p, (int)idx);
          } else {
            v = (vals[idx >> 3] >> (idx & 7)) & 1;
          }
        } else if ((idx + 1) * in_w > vlen) {
          fail(status, E_PLAIN_SHORT, p, (int)idx);
        } else if (conv == CONV_INT96) {
          v = int96_micros(vals + idx * 12);
        } else {
          v = in_w == 8 ? load_u64(vals + idx * 8) : load_u32(vals + idx * 4);
        }
        if (in_w == 4 && conv == CONV_DEC128) v = (uint64_t)(int64_t)(int32_t)(uint32_t)v;
        if (in_w == 4 && conv == CONV_ZEXT) v = (uint32_t)v;
        if (conv == CONV_MILLIS) {
          const int64_t ms = (int64_t)v;
          if (ms > INT64_MAX / 1000 || ms < INT64_MIN / 1000) {
            fail(status, E_TS_OVERFLOW, p, (int)i);
            v = 0;
          } else {
            v = (uint64_t)(ms * 1000);
          }
        }
      }
      switch (out_w) {
        case 1: out[r] = (uint8_t)v; break;
        case 2: ((uint16_t*)out)[r] = (uint16_t)v; break;
        case 4: ((uint32_t*)out)[r] = (uint32_t)v; break;
        case 16:
          ((uint64_t*)out)[2 * (uint64_t)r] = v;
          ((uint64_t*)out)[2 * (uint64_t)r + 1] = conv == CONV_UDEC128 ? 0 : (uint64_t)((int64_t)v >> 63);
          break;
        default: ((uint64_t*)out)[r] = v; break;
      }
    }
  }
}

// A byte-array dictionary page's entries: one thread per dictionary page walks the 4-byte
// length prefixes (they must be read in order) and records each entry's address and length at
// entry index page.aux + i.
extern "C" __global__ void homi_dec_dict_strings(const homi_dec::PageEntry* pages, uint32_t n_pages,
                                                 uint64_t* entry_src, uint32_t* entry_len, int* status) {
  using namespace homi_dec;
  for (uint32_t p = blockIdx.x * blockDim.x + threadIdx.x; p < n_pages; p += gridDim.x * blockDim.x) {
    const PageEntry pg = pages[p];
    if (!(pg.flags & PF_DICT)) continue;
    const uint8_t* d = (const uint8_t*)pg.data + pg.val_off;
    uint64_t at = 0;
    for (uint32_t i = 0; i < pg.num_values; i++) {
      if (at + 4 > pg.val_len) { fail(status, E_BYTE_ARRAY, p, (int)i); break; }
      uint32_t len = load_u32(d + at);
      if (len > pg.val_len - at - 4) { fail(status, E_BYTE_ARRAY, p, (int)i); break; }
      entry_src[pg.aux + i] = (uint64_t)(d + at + 4);
      entry_len[pg.aux + i] = len;
      at += 4 + len;
    }
  }
}

// Byte-array lengths per row (0 for nulls) and each stored value's address (at pos[r]).
// PLAIN pages: one thread walks the length prefixes in order (lanes of a warp take different
// pages). Dictionary pages: one thread per row looks its entry up.
extern "C" __global__ void homi_dec_ba_plain(const homi_dec::PageEntry* pages, uint32_t n_pages, const uint8_t* valid,
                                             const uint32_t* pos, uint32_t* lens, uint64_t* srcs, int* status) {
  using namespace homi_dec;
  for (uint32_t p = blockIdx.x * blockDim.x + threadIdx.x; p < n_pages; p += gridDim.x * blockDim.x) {
    const PageEntry pg = pages[p];
    if ((pg.flags & PF_DICT) || pg.encoding != ENC_PLAIN) continue;
    const uint8_t* d = (const uint8_t*)pg.data + pg.val_off;
    uint64_t at = 0;
    for (uint32_t i = 0; i < pg.num_values; i++) {
      const uint32_t r = pg.row_start + i;
      if (!valid[r]) { lens[r] = 0; continue; }
      if (at + 4 > pg.val_len) { fail(status, E_PLAIN_SHORT, p, (int)i); break; }
      uint32_t len = load_u32(d + at);
      if (len > pg.val_len - at - 4) { fail(status, E_BYTE_ARRAY, p, (int)i); break; }
      lens[r] = len;
      srcs[pos[r]] = (uint64_t)(d + at + 4);
      at += 4 + len;
    }
  }
}

extern "C" __global__ void homi_dec_ba_dict(const homi_dec::PageEntry* pages, uint32_t n_pages, const uint8_t* valid,
                                            const uint32_t* pos, const uint32_t* ids, const uint64_t* entry_src,
                                            const uint32_t* entry_len, uint32_t* lens, uint64_t* srcs, int* status) {
  using namespace homi_dec;
  const uint32_t per = max(1u, gridDim.x / n_pages);  // as in homi_dec_fixed
  for (uint32_t p = blockIdx.x / per; p < n_pages; p += gridDim.x / per) {
    const uint32_t part = blockIdx.x % per;
    const PageEntry pg = pages[p];
    if ((pg.flags & PF_DICT) || !is_dict_enc(pg.encoding)) continue;
    if (pg.aux < 0) {
      if (threadIdx.x == 0) fail(status, E_NO_DICT, p, 0);
      continue;
    }
    const PageEntry dp = pages[pg.aux];
    for (uint32_t i = part * blockDim.x + threadIdx.x; i < pg.num_values; i += per * blockDim.x) {
      const uint32_t r = pg.row_start + i;
      if (!valid[r]) { lens[r] = 0; continue; }
      uint32_t id = ids[pos[r]];
      if (id >= dp.num_values) {
        fail(status, E_DICT_INDEX, p, (int)id);
        lens[r] = 0;
        srcs[pos[r]] = 0;
        continue;
      }
      lens[r] = entry_len[dp.aux + id];
      srcs[pos[r]] = entry_src[dp.aux + id];
    }
  }
}

// Copies each non-null row's bytes to data + offsets[r]: a warp per 32 rows, each lane one row,
// then the warp together for the long ones. Rows whose source address is 0 are left alone.
// Skipped once the column reported an error: its rows' sources are then not all checked.
extern "C" __global__ void homi_dec_ba_copy(uint32_t n_rows, const uint8_t* valid, const uint32_t* pos,
                                            const uint64_t* srcs, const uint32_t* offsets, uint8_t* data,
                                            const int* status) {
  if (homi_dec::failed(status)) return;
  const int lane = threadIdx.x & 31;
  const uint64_t stride = (uint64_t)gridDim.x * blockDim.x;
  for (uint64_t r0 = (uint64_t)blockIdx.x * blockDim.x + (threadIdx.x & ~31u); r0 < n_rows; r0 += stride) {
    uint32_t r = (uint32_t)(r0 + lane);
    uint32_t len = 0;
    const uint8_t* src = nullptr;
    uint8_t* dst = nullptr;
    if (r < n_rows && valid[r]) {
      src = (const uint8_t*)srcs[pos[r]];
      if (src != nullptr) {  // null: a row another kernel writes (DELTA_BYTE_ARRAY) or a corrupt one
        len = offsets[r + 1] - offsets[r];
        dst = data + offsets[r];
      }
    }
    const bool long_one = len > 64;
    if (!long_one) for (uint32_t b = 0; b < len; b++) dst[b] = src[b];
    unsigned longs = __ballot_sync(0xffffffff, long_one);
    while (longs) {
      int l = __ffs(longs) - 1;
      longs &= longs - 1;
      uint32_t L = __shfl_sync(0xffffffff, len, l);
      const uint8_t* s = (const uint8_t*)__shfl_sync(0xffffffff, (unsigned long long)src, l);
      uint8_t* d = (uint8_t*)__shfl_sync(0xffffffff, (unsigned long long)dst, l);
      for (uint32_t b = lane; b < L; b += 32) d[b] = s[b];
    }
  }
}
