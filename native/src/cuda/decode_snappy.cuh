// SNAPPY page decompression on the GPU: one warp per page. Every lane parses the same element
// tag (broadcast loads), then the warp copies the element's bytes in parallel. A back-reference
// whose offset is shorter than its length repeats with period `offset`, so byte i of it is
// out[pos - offset + i % offset]: no lane waits on another inside one element.
#pragma once
#include "decode_common.cuh"

namespace homi_dec {

// Decompresses [in, in_end) into [out, out + out_len); returns 0 or the input offset + 1 of the error.
__device__ int warp_snappy(const uint8_t* in, const uint8_t* in_end, uint8_t* out, uint32_t out_len) {
  const int lane = threadIdx.x & 31;
  const uint8_t* p = in;
  uint64_t declared = 0;
  for (int shift = 0;; shift += 7) {  // preamble: uncompressed length as a varint
    if (shift > 28 || p >= in_end) return 1;
    uint32_t b = *p++;
    declared |= (uint64_t)(b & 0x7f) << shift;
    if (!(b & 0x80)) break;
  }
  if (declared != out_len) return 1;
  uint32_t o = 0;
  while (p < in_end) {
    uint32_t tag = *p++;
    uint32_t len, offset = 0;
    bool literal = (tag & 3) == 0;
    if (literal) {
      len = tag >> 2;
      if (len >= 60) {
        uint32_t nb = len - 59;
        if (p + nb > in_end) return (int)(p - in) + 1;
        len = 0;
        for (uint32_t i = 0; i < nb; i++) len |= (uint32_t)p[i] << (8 * i);
        p += nb;
      }
      len += 1;
      if ((uint64_t)(in_end - p) < len || out_len - o < len) return (int)(p - in) + 1;
      for (uint32_t i = lane; i < len; i += 32) out[o + i] = p[i];
      p += len;
    } else {
      uint32_t kind = tag & 3;
      if (kind == 1) {
        if (p + 1 > in_end) return (int)(p - in) + 1;
        len = 4 + ((tag >> 2) & 7);
        offset = ((tag >> 5) << 8) | p[0];
        p += 1;
      } else if (kind == 2) {
        if (p + 2 > in_end) return (int)(p - in) + 1;
        len = (tag >> 2) + 1;
        offset = p[0] | ((uint32_t)p[1] << 8);
        p += 2;
      } else {
        if (p + 4 > in_end) return (int)(p - in) + 1;
        len = (tag >> 2) + 1;
        offset = load_u32(p);
        p += 4;
      }
      if (offset == 0 || offset > o || out_len - o < len) return (int)(p - in) + 1;
      const uint8_t* from = out + o - offset;
      if (offset >= len) {
        for (uint32_t i = lane; i < len; i += 32) out[o + i] = from[i];
      } else {
        for (uint32_t i = lane; i < len; i += 32) out[o + i] = from[i % offset];
      }
    }
    o += len;
    __syncwarp();  // the next element may copy what this one wrote
  }
  return o == out_len ? 0 : (int)(p - in) + 1;
}

}  // namespace homi_dec

// One warp per PF_SNAPPY page (grid-stride over warps). v2 pages: the `prefix` level bytes are
// stored uncompressed and copied as they are; the compressed values follow.
extern "C" __global__ void homi_dec_snappy(const homi_dec::PageEntry* pages, uint32_t n_pages, int* status) {
  using namespace homi_dec;
  const int lane = threadIdx.x & 31;
  const uint32_t warps = gridDim.x * (blockDim.x / 32);
  for (uint32_t w = blockIdx.x * (blockDim.x / 32) + threadIdx.x / 32; w < n_pages; w += warps) {
    PageEntry pg = pages[w];
    if (!(pg.flags & PF_SNAPPY)) continue;
    const uint8_t* src = (const uint8_t*)pg.src;
    uint8_t* dst = (uint8_t*)pg.data;
    if (pg.prefix > pg.comp_len || pg.prefix > pg.data_len) {
      if (lane == 0) fail(status, E_SNAPPY, w, 0);
      continue;
    }
    for (uint32_t i = lane; i < pg.prefix; i += 32) dst[i] = src[i];
    int err = warp_snappy(src + pg.prefix, src + pg.comp_len, dst + pg.prefix, pg.data_len - pg.prefix);
    if (err && lane == 0) fail(status, E_SNAPPY, w, err - 1 + pg.prefix);
  }
}
