// Parquet page decoding on the GPU: what every decode kernel shares.
// The page table is built on the host (io.homi.runtime.gpu.decode.PageTable writes the same
// 64-byte layout) and uploaded next to the column-chunk bytes. Pointers in it are absolute
// device addresses, so pages stored uncompressed are decoded in place and decompressed pages
// may live in any buffer.
#pragma once
#include <cstdint>

namespace homi_dec {

enum PageFlags : uint16_t {
  PF_DICT = 1,        // dictionary page: num_values entries, PLAIN, starting at data + val_off
  PF_DEF = 2,         // definition levels present at data + def_off (max level 1, bit width 1)
  PF_V2 = 4,          // data page v2 (levels stored uncompressed ahead of the values)
  PF_SNAPPY = 8,      // bytes at src are snappy: the GPU decompresses them into data
  PF_HOST_INFLATED = 16,  // another codec, decompressed on the host into pinned memory and uploaded
  PF_ZSTD = 32,       // bytes at src are one or more ZSTD frames: homi_dec_zstd decompresses them into data
};

// Parquet Encoding enum values used here.
enum Enc : uint16_t {
  ENC_PLAIN = 0, ENC_PLAIN_DICTIONARY = 2, ENC_RLE = 3, ENC_DELTA_BINARY_PACKED = 5, ENC_DELTA_LENGTH_BYTE_ARRAY = 6,
  ENC_DELTA_BYTE_ARRAY = 7,
  ENC_RLE_DICTIONARY = 8,
  ENC_BYTE_STREAM_SPLIT = 9,
};

// How homi_dec_fixed turns a stored value into the Arrow value (io.homi.runtime.parquet.FixedWriter's
// conversions; GpuDecoder picks one per ValueKind).
enum Conv : uint32_t {
  CONV_NONE = 0,     // the low out_w bytes (INT8/INT16 truncation included)
  CONV_DEC128 = 1,   // signed -> Decimal128 (16 bytes, sign-extended)
  CONV_MILLIS = 2,   // INT64 milliseconds -> microseconds, overflow is an error
  CONV_ZEXT = 3,     // UINT32 -> int64, zero-extended
  CONV_UDEC128 = 4,  // UINT64 -> Decimal128(20, 0), high word 0
  CONV_BEDEC = 5,    // FIXED_LEN_BYTE_ARRAY decimal: in_w (1..16) big-endian two's complement bytes -> Decimal128
  CONV_INT96 = 6,    // INT96 timestamp (in_w 12: nanos of day int64 LE, Julian day int32 LE) -> microseconds, as FixedWriter
};

struct PageEntry {
  uint64_t src;         //  0 device address of the page body as stored
  uint64_t data;        //  8 device address of the page's uncompressed bytes (== src if stored so)
  uint32_t comp_len;    // 16 stored body bytes
  uint32_t data_len;    // 20 uncompressed page bytes (v2: levels included)
  uint32_t prefix;      // 24 v2: level bytes stored uncompressed before the compressed values
  uint32_t num_values;  // 28 rows of a data page, entries of a dictionary page
  uint32_t row_start;   // 32 first row of a data page in the column's output
  uint32_t chunk;       // 36 which column chunk (row group) the page came from: for errors
  uint32_t def_off;     // 40 definition levels: [data + def_off, + def_len)
  uint32_t def_len;     // 44
  uint32_t val_off;     // 48 values: [data + val_off, + val_len)
  uint32_t val_len;     // 52
  uint16_t encoding;    // 56 values encoding (Enc)
  uint16_t flags;       // 58 PageFlags
  int32_t aux;          // 60 data page: index of its dictionary page or -1 (DELTA_LENGTH_BYTE_ARRAY / DELTA_BYTE_ARRAY:
                        //    set by homi_dec_delta to where the bytes start after the lengths); dictionary page: first entry
};
static_assert(sizeof(PageEntry) == 64, "PageEntry layout is shared with Java (PageTable)");

// status[0] = first error code (0 = none), status[1] = page index, status[2] = detail.
enum Err : int {
  E_SNAPPY = 1, E_LEVELS = 2, E_IDS = 3, E_PLAIN_SHORT = 4, E_DICT_INDEX = 5, E_BYTE_ARRAY = 6,
  E_DEF_LEVEL = 7, E_NO_DICT = 8, E_OFFSETS_OVERFLOW = 9, E_COUNT = 10,
  E_DELTA_HEADER = 11, E_DELTA_WIDTH = 12, E_DELTA_COUNT = 13, E_DELTA_SHORT = 14, E_TS_OVERFLOW = 15, E_BSS = 16,
  E_DBA_LENGTH = 17, E_DBA_PREFIX = 18,
  E_ZSTD = 19,  // detail: homi_zstd::Reason in the low 5 bits, the input byte offset above
};

__device__ inline void fail(int* status, int code, int page, int detail) {
  if (atomicCAS(status, 0, code) == 0) {
    status[1] = page;
    status[2] = detail;
  }
}

__device__ inline bool failed(const int* status) { return *(volatile const int*)status != 0; }

// Inclusive sum of v over the lanes 0..lane of a full warp.
__device__ inline uint64_t warp_inclusive_sum(uint64_t v, int lane) {
  for (int o = 1; o < 32; o <<= 1) {
    const uint64_t t = __shfl_up_sync(0xffffffffu, v, o);
    if (lane >= o) v += t;
  }
  return v;
}

// Reads the byte at p, or 0 past end (writers may leave out the padding of a last bit-packed group).
__device__ inline uint32_t byte_or_zero(const uint8_t* p, const uint8_t* end) { return p < end ? *p : 0u; }

// Decodes n values of the RLE / bit-packed hybrid in [p, end) at bit width bw, a whole warp
// together: every lane parses the same run headers (one broadcast load), then the lanes expand
// a run in parallel. emit(k, v) receives value k. Mirrors RleBitPackedDecoder's checks.
// Returns 0 on success, or the byte offset + 1 of the corrupt run.
template <typename Emit>
__device__ int warp_hybrid(const uint8_t* p, const uint8_t* end, int bw, uint32_t n, Emit emit) {
  const int lane = threadIdx.x & 31;
  const uint8_t* start = p;
  if (bw == 0) {  // every value is 0 and nothing is stored
    for (uint32_t i = lane; i < n; i += 32) emit(i, 0u);
    return 0;
  }
  const uint32_t vbytes = (bw + 7) / 8;
  const uint64_t mask = bw == 32 ? 0xffffffffull : ((1ull << bw) - 1);
  uint32_t k = 0;
  while (k < n) {
    uint64_t h = 0;
    int shift = 0;
    for (;; shift += 7) {
      if (shift >= 35 || p >= end) return (int)(p - start) + 1;
      uint32_t b = *p++;
      h |= (uint64_t)(b & 0x7f) << shift;
      if (!(b & 0x80)) break;
    }
    if (h & 1) {
      uint64_t groups = h >> 1;
      if (groups == 0 || groups > 0x7fffffffull / 8) return (int)(p - start) + 1;
      uint64_t count = groups * 8;
      uint32_t take = (uint32_t)min((uint64_t)(n - k), count);
      // every declared group needs its bytes inside the data, the last one at least its first
      // byte (the CPU decoder's rule): a header damaged into a longer run is refused, not read
      // into shifted values
      if ((uint64_t)(end - p) < (groups - 1) * (uint64_t)bw + 1) return (int)(p - start) + 1;
      for (uint32_t i = lane; i < take; i += 32) {
        uint64_t bit = (uint64_t)i * bw;
        const uint8_t* q = p + (bit >> 3);
        uint64_t x = byte_or_zero(q, end) | (byte_or_zero(q + 1, end) << 8) | (byte_or_zero(q + 2, end) << 16) |
                     ((uint64_t)byte_or_zero(q + 3, end) << 24) | ((uint64_t)byte_or_zero(q + 4, end) << 32);
        emit(k + i, (uint32_t)((x >> (bit & 7)) & mask));
      }
      uint64_t bytes = groups * (uint64_t)bw;
      p = (uint64_t)(end - p) < bytes ? end : p + bytes;
      k += take;
    } else {
      uint64_t count = h >> 1;
      if (count == 0 || count > 0x7fffffffull) return (int)(p - start) + 1;
      if (p + vbytes > end) return (int)(p - start) + 1;
      uint32_t v = 0;
      for (uint32_t b = 0; b < vbytes; b++) v |= (uint32_t)p[b] << (8 * b);
      p += vbytes;
      if (bw < 32 && (v >> bw) != 0) return (int)(p - start) + 1;
      uint32_t take = (uint32_t)min((uint64_t)(n - k), count);
      for (uint32_t i = lane; i < take; i += 32) emit(k + i, v);
      k += take;
    }
  }
  __syncwarp();
  return 0;
}

__device__ inline uint32_t load_u32(const uint8_t* p) {
  if (((uintptr_t)p & 3) == 0) return *(const uint32_t*)p;
  return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

__device__ inline uint64_t load_u64(const uint8_t* p) {
  if (((uintptr_t)p & 7) == 0) return *(const uint64_t*)p;
  return (uint64_t)load_u32(p) | ((uint64_t)load_u32(p + 4) << 32);
}

// An INT96 timestamp at p (nanos of day, int64 LE; Julian day, int32 LE) as microseconds since the
// epoch, exactly as the CPU decoder's FixedWriter (Spark's fromJulianDay, no rebase): Java long
// arithmetic, i.e. a wrapping product (done unsigned here) and division truncating toward zero.
__device__ inline uint64_t int96_micros(const uint8_t* p) {
  const int64_t nanos = (int64_t)load_u64(p);
  const int64_t days = (int64_t)(int32_t)load_u32(p + 8);
  const uint64_t day_us = (uint64_t)(days - 2440588) * 86400000000ull;
  return day_us + (uint64_t)(nanos / 1000);
}

}  // namespace homi_dec
