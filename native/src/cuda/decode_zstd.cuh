// ZSTD (RFC 8878) frame decoding, one source for two compilers: nvcc builds it into the
// homi_dec_zstd kernel (bottom of this file), gcc builds the same functions into the host harness
// that ZstdHarnessTest checks against zstd-jni and under AddressSanitizer. HOMI_HD marks what both
// compile; nothing above the kernel may use CUDA-only features.
//
// What a Parquet ZSTD page needs: one frame (several, and skippable frames, are decoded in turn),
// raw / RLE / compressed blocks, literals raw, RLE, Huffman with 1 or 4 streams and treeless
// (the previous block's table), sequences with predefined / RLE / FSE / repeat tables, repeat
// offsets. Refused with an error: dictionaries (Dictionary_ID != 0), reserved bits and block types,
// an output that is not exactly the declared size. The checksum is skipped, not verified.
//
// Safety rules (hostile pages must fail, never read or write out of bounds, never hang):
// - every input read goes through a length check or the bounded bit readers below;
// - every output write is checked against `cap`, the declared uncompressed size;
// - every loop is bounded by the input length, the output size or a table size;
// - the only memory besides input and output is one ZstdWork (fixed, about 10 KiB).
// Huffman / RLE literals are decoded into the tail of the output: a block never writes past the
// first literal it has not consumed yet (checked per sequence), so they are read before being
// overwritten.
#pragma once
#include <cstdint>

#ifdef __CUDACC__
#define HOMI_HD __host__ __device__
#else
#define HOMI_HD
#endif

namespace homi_zstd {

// Why a frame was refused (ZstdResult.reason); the Java side names them (ZstdReason).
enum Reason : int {
  Z_OK = 0,
  Z_TRUNCATED = 1,        // input ends inside a header, block or table
  Z_MAGIC = 2,            // not a zstd frame
  Z_FRAME_HEADER = 3,     // reserved bit set, window too large
  Z_DICTIONARY = 4,       // frame needs a dictionary (not supported)
  Z_BLOCK_TYPE = 5,       // reserved block type, or block larger than 128 KiB
  Z_OUTPUT_SIZE = 6,      // output larger or smaller than declared (page or frame content size)
  Z_LITERALS = 7,         // literals section header or sizes inconsistent
  Z_HUFFMAN = 8,          // Huffman table description or stream corrupt
  Z_FSE_TABLE = 9,        // FSE table description corrupt
  Z_SEQUENCES = 10,       // sequences section header or bitstream corrupt
  Z_OFFSET = 11,          // match offset 0 or before the frame start
  Z_NO_TABLE = 12,        // treeless literals or repeat mode without a previous table
};

struct ZstdResult {
  int reason;   // Reason
  uint32_t at;  // input byte offset where the problem was found
};

// Table sizes: Huffman at most 11 bits (RFC 8878 4.2.1), FSE literal lengths 9, match lengths 9,
// offsets 8, Huffman weights 6.
constexpr int HUF_MAX_LOG = 11;
constexpr int LL_MAX_LOG = 9, ML_MAX_LOG = 9, OF_MAX_LOG = 8, HW_MAX_LOG = 6;
constexpr int LL_MAX_SYM = 35, ML_MAX_SYM = 52, OF_MAX_SYM = 31;
constexpr uint32_t BLOCK_MAX = 128 * 1024;

struct FseEntry {
  uint16_t base;   // next state = base + read(bits)
  uint8_t symbol;
  uint8_t bits;
};

static_assert(sizeof(FseEntry) == 4, "FseEntry is 4 bytes");

struct HufEntry {
  uint8_t symbol;
  uint8_t bits;
};

// Per-worker scratch: tables kept from block to block of a frame (repeat mode, treeless literals).
struct ZstdWork {
  FseEntry ll[1 << LL_MAX_LOG];
  FseEntry of[1 << OF_MAX_LOG];
  FseEntry ml[1 << ML_MAX_LOG];
  FseEntry hw[1 << HW_MAX_LOG];  // Huffman weights table (rebuilt per description)
  HufEntry huf[1 << HUF_MAX_LOG];
  int16_t norm[256];             // normalized counts while building an FSE table
  uint16_t next[256];            // FSE build: next state per symbol
  uint8_t weights[256];          // Huffman weights while building a table
  uint8_t ll_log, of_log, ml_log, huf_log;
  uint8_t have_ll, have_of, have_ml, have_huf;
};

// ---- Forward reads ----------------------------------------------------------------------------

HOMI_HD inline uint32_t rd16(const uint8_t* p) { return (uint32_t)p[0] | ((uint32_t)p[1] << 8); }
HOMI_HD inline uint32_t rd24(const uint8_t* p) { return rd16(p) | ((uint32_t)p[2] << 16); }
HOMI_HD inline uint32_t rd32(const uint8_t* p) { return rd24(p) | ((uint32_t)p[3] << 24); }

HOMI_HD inline int highbit(uint32_t v) {  // v > 0
  int n = 0;
  while (v >>= 1) n++;
  return n;
}

// ---- Who decodes a page: one thread, or a warp ----------------------------------------------
// A Team of `width` lanes decodes one page together: every lane runs the same decode (the same
// loads, so broadcasts; the same decisions, so no divergence), what writes shared scratch (table
// building, Huffman literals) runs on lane 0 (lanes 0..3 for the 4 Huffman streams) with a sync
// and a broadcast after, and the byte copies are split over the lanes with a sync after each. The
// host harness and the thread-per-page kernel use width 1, where syncs and broadcasts are no-ops.
// On the host a Team wider than 1 is the harness's simulation of a warp (one OS thread per lane,
// `host` its barrier and broadcast), so that the lane logic runs there too, under ThreadSanitizer.
struct TeamHost {
  void (*sync)(void* ctx);
  uint32_t (*bcast)(void* ctx, int lane, uint32_t v);  // lane 0's v, to every lane
  bool (*all)(void* ctx, int lane, bool v);            // every lane's v, and-ed
  void* ctx;
};

struct Team {
  int lane;
  int width;                        // 1, or 32 (a full warp)
  const TeamHost* host = nullptr;   // host simulation only; unused on the device
};

HOMI_HD inline void team_sync(const Team& t) {
#ifdef __CUDA_ARCH__
  if (t.width > 1) __syncwarp();
#else
  if (t.width > 1) t.host->sync(t.host->ctx);
#endif
}

HOMI_HD inline uint32_t team_bcast(const Team& t, uint32_t v) {
#ifdef __CUDA_ARCH__
  if (t.width > 1) return __shfl_sync(0xffffffffu, v, 0);
#else
  if (t.width > 1) return t.host->bcast(t.host->ctx, t.lane, v);
#endif
  return v;
}

HOMI_HD inline bool team_all(const Team& t, bool v) {
#ifdef __CUDA_ARCH__
  if (t.width > 1) return __all_sync(0xffffffffu, v);
#else
  if (t.width > 1) return t.host->all(t.host->ctx, t.lane, v);
#endif
  return v;
}

// out[i] = src[i] for i < n, src at or after out (literals from the output's tail or the input):
// a lane's store may hit a byte another lane of the same 32-byte step has not loaded yet, so each
// step loads, syncs, then stores. Bytes of later steps lie beyond this step's stores.
HOMI_HD inline void team_copy_fwd(const Team& t, uint8_t* out, const uint8_t* src, uint32_t n) {
  for (uint32_t base = 0; base < n; base += (uint32_t)t.width) {
    const uint32_t i = base + (uint32_t)t.lane;
    const uint8_t v = i < n ? src[i] : 0;
    team_sync(t);
    if (i < n) out[i] = v;
  }
  team_sync(t);
}

// A match: out[i] = out[i - off] for i < n, which repeats with period off when off < n, so byte i
// is (out - off)[i % off]: no lane waits on another inside one match.
HOMI_HD inline void team_match(const Team& t, uint8_t* out, uint32_t off, uint32_t n) {
  const uint8_t* from = out - off;
  if (t.width == 1) {
    for (uint32_t i = 0; i < n; i++) out[i] = from[i];
    return;
  }
  for (uint32_t i = (uint32_t)t.lane; i < n; i += (uint32_t)t.width) out[i] = from[off >= n ? i : i % off];
  team_sync(t);
}

// n bytes of value v.
HOMI_HD inline void team_fill(const Team& t, uint8_t* out, uint8_t v, uint32_t n) {
  for (uint32_t i = (uint32_t)t.lane; i < n; i += (uint32_t)t.width) out[i] = v;
  team_sync(t);
}

// ---- Backward bit reader (FSE and Huffman streams, RFC 8878 4.1) ------------------------------
// The stream is [p, p + n); its last byte's highest set bit marks the end of the padding. `pos`
// counts the bits not read yet; reads take them from the top down. Bits below the start read as 0
// and drive pos negative, which the callers check (a stream must end exactly at pos == 0).
struct BackBits {
  const uint8_t* p;
  uint32_t n;
  int64_t pos;
};

HOMI_HD inline bool back_init(BackBits& b, const uint8_t* p, uint32_t n) {
  if (n == 0) return false;
  uint8_t last = p[n - 1];
  if (last == 0) return false;  // no end mark
  b.p = p;
  b.n = n;
  b.pos = (int64_t)n * 8 - 8 + highbit(last);
  return true;
}

// The next `k` (<= 32) bits without consuming them, as an integer whose top bit is the first bit.
HOMI_HD inline uint32_t back_peek(const BackBits& b, int k) {
  if (k == 0) return 0;
  const uint64_t mask = (1ull << k) - 1;
  const int64_t lo = b.pos - k;
  if (lo >= 0) {
    // bits [lo, pos) lie in bytes lo >> 3 .. (pos - 1) >> 3, all inside the stream (pos <= 8n)
    const uint8_t* q = b.p + (lo >> 3);
    const int nb = (int)(((lo & 7) + k + 7) >> 3);  // 1..5
    uint64_t v = 0;
    for (int i = 0; i < nb; i++) v |= (uint64_t)q[i] << (8 * i);
    return (uint32_t)((v >> (lo & 7)) & mask);
  }
  // fewer than k bits left: the ones there are (bits [0, pos)) are the high part, zeros below
  if (b.pos <= 0) return 0;
  uint64_t v = 0;
  for (int i = 0; i * 8 < b.pos && i < 8; i++) v |= (uint64_t)b.p[i] << (8 * i);
  return (uint32_t)((v << (-lo)) & mask);
}

HOMI_HD inline uint32_t back_read(BackBits& b, int k) {
  uint32_t v = back_peek(b, k);
  b.pos -= k;
  return v;
}

// ---- FSE tables (RFC 8878 4.1.1) --------------------------------------------------------------

// Reads an FSE table description from [p, p + n) into w.norm (max_sym + 1 entries, zero-filled).
// Returns the bytes it used, or 0 if corrupt. *log gets the accuracy log.
HOMI_HD inline uint32_t fse_read_counts(ZstdWork& w, const uint8_t* p, uint32_t n, int max_log, int max_sym,
                                        int* log, int* nsym) {
  if (n < 1) return 0;
  for (int i = 0; i <= max_sym; i++) w.norm[i] = 0;
  uint64_t bit = 0;  // forward bit position
  const uint64_t limit = (uint64_t)n * 8;
  // forward read of k <= 16 bits; reads past the end give zeros (checked against limit after)
  auto peek = [&](int k) -> uint32_t {
    uint32_t v = 0;
    uint64_t byte = bit >> 3;
    for (int i = 0; i < 4; i++)
      if (byte + i < n) v |= (uint32_t)p[byte + i] << (8 * i);
    return (v >> (bit & 7)) & ((1u << k) - 1);
  };
  int acc = (int)peek(4) + 5;
  bit += 4;
  if (acc > max_log) return 0;
  int remaining = (1 << acc) + 1;
  int threshold = 1 << acc;
  int nbits = acc + 1;
  int sym = 0;
  while (remaining > 1 && sym <= max_sym) {
    if (bit > limit) return 0;
    int max = (2 * threshold - 1) - remaining;
    uint32_t v = peek(nbits);
    int count;
    if ((int)(v & (threshold - 1)) < max) {
      count = (int)(v & (threshold - 1));
      bit += nbits - 1;
    } else {
      count = (int)(v & (2 * threshold - 1));
      if (count >= threshold) count -= max;
      bit += nbits;
    }
    count--;  // -1: "less than 1", takes one cell
    remaining -= count < 0 ? -count : count;
    w.norm[sym++] = (int16_t)count;
    if (remaining < 1) return 0;
    while (remaining < threshold) {
      nbits--;
      threshold >>= 1;
    }
    if (count == 0) {  // zero probability: 2-bit repeat counts of further zeros follow
      for (;;) {
        if (bit > limit) return 0;
        uint32_t r = peek(2);
        bit += 2;
        sym += (int)r;
        if (sym > max_sym + 1) return 0;
        if (r != 3) break;
      }
    }
  }
  if (remaining != 1 || sym > max_sym + 1 || bit > limit) return 0;
  *log = acc;
  *nsym = sym;
  return (uint32_t)((bit + 7) >> 3);
}

// Builds a decoding table of 1 << log cells from w.norm[0..nsym). False if the counts do not fill it.
HOMI_HD inline bool fse_build(ZstdWork& w, FseEntry* t, int log, int nsym) {
  const int size = 1 << log;
  int high = size - 1;
  for (int s = 0; s < nsym; s++) {
    if (w.norm[s] == -1) {
      if (high < 0) return false;
      t[high--].symbol = (uint8_t)s;
      w.next[s] = 1;
    } else {
      w.next[s] = (uint16_t)(w.norm[s] < 0 ? 0 : w.norm[s]);
    }
  }
  const int step = (size >> 1) + (size >> 3) + 3, mask = size - 1;
  int pos = 0, placed = 0;
  for (int s = 0; s < nsym; s++) {
    for (int i = 0; i < w.norm[s]; i++) {
      if (placed++ > size) return false;
      t[pos].symbol = (uint8_t)s;
      int guard = 0;
      do {
        pos = (pos + step) & mask;
      } while (pos > high && ++guard <= size);
      if (guard > size) return false;
    }
  }
  if (pos != 0) return false;
  for (int u = 0; u < size; u++) {
    int s = t[u].symbol;
    if (s >= nsym) return false;
    uint32_t ns = w.next[s]++;
    if (ns == 0) return false;
    int bits = log - highbit(ns);
    if (bits < 0) return false;
    t[u].bits = (uint8_t)bits;
    t[u].base = (uint16_t)((ns << bits) - size);
  }
  return true;
}

// Predefined distributions (RFC 8878 3.1.1.3.2.2).
HOMI_HD inline int16_t predefined_norm(int which, int s) {
  // which: 0 literal lengths (log 6), 1 match lengths (log 6), 2 offsets (log 5)
  const int16_t ll[36] = {4, 3, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 1, 1, 1, 2, 2,
                          2, 2, 2, 2, 2, 2, 2, 3, 2, 1, 1, 1, 1, 1, -1, -1, -1, -1};
  const int16_t ml[53] = {1, 4, 3, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1,
                          1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
                          1, 1, 1, 1, 1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1, -1, -1};
  const int16_t of[29] = {1, 1, 1, 1, 1, 1, 2, 2, 2, 1, 1, 1, 1, 1, 1,
                          1, 1, 1, 1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1};
  return which == 0 ? ll[s] : which == 1 ? ml[s] : of[s];
}

// ---- Huffman literals (RFC 8878 4.2) ----------------------------------------------------------

// Reads a Huffman tree description at [p, p + n) and builds w.huf. Returns the bytes used or 0.
HOMI_HD inline uint32_t huf_read_table(ZstdWork& w, const uint8_t* p, uint32_t n) {
  if (n < 1) return 0;
  uint32_t hdr = p[0];
  int count = 0;  // weights given (the last symbol's is implied)
  uint32_t used;
  if (hdr >= 128) {  // direct: 4 bits per weight
    count = (int)hdr - 127;
    used = 1 + (uint32_t)(count + 1) / 2;
    if (used > n) return 0;
    for (int i = 0; i < count; i++) {
      uint8_t b = p[1 + i / 2];
      w.weights[i] = (i & 1) ? (b & 15) : (b >> 4);
    }
  } else {  // FSE-compressed weights, two interleaved states
    used = 1 + hdr;
    if (hdr == 0 || used > n) return 0;
    int log, nsym;
    uint32_t h = fse_read_counts(w, p + 1, hdr, HW_MAX_LOG, 255, &log, &nsym);
    if (h == 0 || h >= hdr) return 0;
    if (!fse_build(w, w.hw, log, nsym)) return 0;
    BackBits b;
    if (!back_init(b, p + 1 + h, hdr - h)) return 0;
    uint32_t s1 = back_read(b, log), s2 = back_read(b, log);
    if (b.pos < 0) return 0;
    for (;;) {
      if (count > 253) return 0;
      w.weights[count++] = w.hw[s1].symbol;
      s1 = w.hw[s1].base + back_read(b, w.hw[s1].bits);
      if (b.pos < 0) {
        w.weights[count++] = w.hw[s2].symbol;
        break;
      }
      w.weights[count++] = w.hw[s2].symbol;
      s2 = w.hw[s2].base + back_read(b, w.hw[s2].bits);
      if (b.pos < 0) {
        w.weights[count++] = w.hw[s1].symbol;
        break;
      }
    }
  }
  if (count < 1 || count > 255) return 0;
  uint32_t total = 0;
  for (int i = 0; i < count; i++) {
    if (w.weights[i] > HUF_MAX_LOG) return 0;
    if (w.weights[i]) total += 1u << (w.weights[i] - 1);
  }
  if (total == 0) return 0;
  int max_bits = highbit(total) + 1;
  if (max_bits > HUF_MAX_LOG) return 0;
  uint32_t rest = (1u << max_bits) - total;
  if (rest & (rest - 1)) return 0;  // the implied last weight must complete a power of two
  w.weights[count] = (uint8_t)(highbit(rest) + 1);
  int nsym = count + 1;
  // canonical codes: lowest weight first, then symbol order; weight k fills 2^(k-1) cells
  uint32_t start[HUF_MAX_LOG + 2];
  uint32_t rank[HUF_MAX_LOG + 2];
  for (int k = 0; k <= HUF_MAX_LOG + 1; k++) rank[k] = 0;
  for (int i = 0; i < nsym; i++) rank[w.weights[i]]++;
  // zstd's rule (HUF_readStats): at least two, and an even number of, weight-1 symbols; trees
  // without them are refused there, so the GPU refuses them too
  if (rank[1] < 2 || (rank[1] & 1)) return 0;
  uint32_t at = 0;
  for (int k = 1; k <= max_bits; k++) {
    start[k] = at;
    at += rank[k] << (k - 1);
  }
  if (at != (1u << max_bits)) return 0;
  for (int i = 0; i < nsym; i++) {
    int k = w.weights[i];
    if (!k) continue;
    uint32_t len = 1u << (k - 1);
    for (uint32_t j = 0; j < len; j++) {
      w.huf[start[k] + j].symbol = (uint8_t)i;
      w.huf[start[k] + j].bits = (uint8_t)(max_bits + 1 - k);
    }
    start[k] += len;
  }
  w.huf_log = (uint8_t)max_bits;
  w.have_huf = 1;
  return used;
}

// Decodes exactly `count` symbols of one Huffman stream [p, p + n) into out.
HOMI_HD inline bool huf_stream(const ZstdWork& w, const uint8_t* p, uint32_t n, uint8_t* out, uint32_t count) {
  BackBits b;
  if (!back_init(b, p, n)) return false;
  const int log = w.huf_log;
  for (uint32_t i = 0; i < count; i++) {
    const HufEntry e = w.huf[back_peek(b, log)];
    out[i] = e.symbol;
    b.pos -= e.bits;
    if (b.pos < 0) return false;
  }
  return b.pos == 0;
}

// ---- Frame decoding ---------------------------------------------------------------------------

struct Seq {  // sequence-section decoding state of one block
  uint32_t rep[3];
};

// Literal and match length codes (RFC 8878 3.1.1.3.2.1.1) as arithmetic and switches rather than
// lookup arrays: a local array is rebuilt in GPU local memory on every call (every sequence).
HOMI_HD inline int ll_bits(int c) {
  if (c < 16) return 0;
  if (c < 20) return 1;
  if (c < 24) return (c - 20) / 2 + 2;  // 20,21 -> 2; 22,23 -> 3
  if (c == 24) return 4;
  return c - 19;  // 25 -> 6 ... 35 -> 16
}
HOMI_HD inline uint32_t ll_base(int c) {
  if (c < 20) return c < 16 ? (uint32_t)c : 16u + 2u * (uint32_t)(c - 16);  // 16,18,20,22
  switch (c) {
    case 20: return 24;
    case 21: return 28;
    case 22: return 32;
    case 23: return 40;
    case 24: return 48;
    default: return 1u << (c - 19);  // 25 -> 64 ... 35 -> 65536
  }
}
HOMI_HD inline int ml_bits(int c) {
  if (c < 32) return 0;
  if (c < 36) return 1;
  if (c < 42) return (c - 36) / 2 + 2;  // 36,37 -> 2; 38,39 -> 3; 40,41 -> 4
  if (c == 42) return 5;
  return c - 36;  // 43 -> 7 ... 52 -> 16
}
HOMI_HD inline uint32_t ml_base(int c) {
  if (c < 36) return c < 32 ? (uint32_t)c + 3 : 35u + 2u * (uint32_t)(c - 32);  // 35,37,39,41
  switch (c) {
    case 36: return 43;
    case 37: return 47;
    case 38: return 51;
    case 39: return 59;
    case 40: return 67;
    case 41: return 83;
    case 42: return 99;
    default: return (1u << (c - 36)) + 3;  // 43 -> 131 ... 52 -> 65539
  }
}

// Reads one sequence table (mode 0..3) at [p, end) into t; which: 0 LL, 1 OF, 2 ML.
// Returns the bytes used, or -1 if corrupt / missing.
HOMI_HD inline int seq_table(ZstdWork& w, int which, int mode, const uint8_t* p, const uint8_t* end) {
  FseEntry* t = which == 0 ? w.ll : which == 1 ? w.of : w.ml;
  uint8_t* log = which == 0 ? &w.ll_log : which == 1 ? &w.of_log : &w.ml_log;
  uint8_t* have = which == 0 ? &w.have_ll : which == 1 ? &w.have_of : &w.have_ml;
  const int max_sym = which == 0 ? LL_MAX_SYM : which == 1 ? OF_MAX_SYM : ML_MAX_SYM;
  const int max_log = which == 0 ? LL_MAX_LOG : which == 1 ? OF_MAX_LOG : ML_MAX_LOG;
  switch (mode) {
    case 0: {  // predefined
      const int nsym = which == 0 ? 36 : which == 1 ? 29 : 53;
      const int pre = which == 0 ? 0 : which == 1 ? 2 : 1;
      for (int s = 0; s < nsym; s++) w.norm[s] = predefined_norm(pre, s);
      int lg = which == 1 ? 5 : 6;
      if (!fse_build(w, t, lg, nsym)) return -1;
      *log = (uint8_t)lg;
      *have = 1;
      return 0;
    }
    case 1: {  // RLE: one symbol, every state
      if (p >= end) return -1;
      if (p[0] > max_sym) return -1;
      t[0].symbol = p[0];
      t[0].bits = 0;
      t[0].base = 0;
      *log = 0;
      *have = 1;
      return 1;
    }
    case 2: {
      int lg, nsym;
      uint32_t used = fse_read_counts(w, p, (uint32_t)(end - p), max_log, max_sym, &lg, &nsym);
      if (used == 0 || !fse_build(w, t, lg, nsym)) return -1;
      *log = (uint8_t)lg;
      *have = 1;
      return (int)used;
    }
    default:  // repeat the previous block's table
      return *have ? 0 : -1;
  }
}

// Decodes one compressed block [p, p + n) appending at out[*o], cap total; frame output starts at fstart.
HOMI_HD inline ZstdResult zstd_block(const Team& t, ZstdWork& w, const uint8_t* in, const uint8_t* p, uint32_t n,
                                     uint8_t* out, uint32_t* o, uint32_t cap, uint32_t fstart, Seq& sq) {
  const uint8_t* end = p + n;
#define ZFAIL(r, q) return ZstdResult{(r), (uint32_t)((q) - in)}
  // ---- literals section
  if (n < 1) ZFAIL(Z_TRUNCATED, p);
  const int ltype = p[0] & 3;
  const int sf = (p[0] >> 2) & 3;
  uint32_t regen, csize = 0, hsize;
  int streams = 1;
  if (ltype < 2) {
    if ((sf & 1) == 0) {
      hsize = 1;
      regen = p[0] >> 3;
    } else if (sf == 1) {
      hsize = 2;
      if (n < 2) ZFAIL(Z_TRUNCATED, p);
      regen = (p[0] >> 4) | ((uint32_t)p[1] << 4);
    } else {
      hsize = 3;
      if (n < 3) ZFAIL(Z_TRUNCATED, p);
      regen = (p[0] >> 4) | ((uint32_t)p[1] << 4) | ((uint32_t)p[2] << 12);
    }
  } else {
    hsize = sf < 2 ? 3 : sf == 2 ? 4 : 5;
    if (n < hsize) ZFAIL(Z_TRUNCATED, p);
    streams = sf == 0 ? 1 : 4;
    if (hsize == 3) {
      uint32_t v = rd24(p);
      regen = (v >> 4) & 0x3ff;
      csize = (v >> 14) & 0x3ff;
    } else if (hsize == 4) {
      uint32_t v = rd32(p);
      regen = (v >> 4) & 0x3fff;
      csize = v >> 18;
    } else {
      uint64_t v = rd32(p) | ((uint64_t)p[4] << 32);
      regen = (uint32_t)((v >> 4) & 0x3ffff);
      csize = (uint32_t)((v >> 22) & 0x3ffff);
    }
  }
  if (regen > BLOCK_MAX) ZFAIL(Z_LITERALS, p);
  const uint8_t* q = p + hsize;
  const uint8_t* lits;  // where the block's literals are read from
  if (regen > cap - *o) ZFAIL(Z_OUTPUT_SIZE, p);
  uint8_t* tail = out + (cap - regen);  // Huffman and RLE literals are decoded here
  if (ltype == 0) {
    if ((uint32_t)(end - q) < regen) ZFAIL(Z_TRUNCATED, q);
    lits = q;
    q += regen;
  } else if (ltype == 1) {
    if (q >= end) ZFAIL(Z_TRUNCATED, q);
    team_fill(t, tail, q[0], regen);
    lits = tail;
    q += 1;
  } else {
    if ((uint32_t)(end - q) < csize) ZFAIL(Z_TRUNCATED, q);
    const uint8_t* cend = q + csize;
    if (ltype == 2) {
      uint32_t used = 0;
      if (t.lane == 0) used = huf_read_table(w, q, csize);  // writes the shared table: one lane
      team_sync(t);
      used = team_bcast(t, used);
      if (used == 0) ZFAIL(Z_HUFFMAN, q);
      q += used;
    } else if (!w.have_huf) {
      ZFAIL(Z_NO_TABLE, q);
    }
    if (streams == 1) {
      bool ok = true;
      if (t.lane == 0) ok = huf_stream(w, q, (uint32_t)(cend - q), tail, regen);
      team_sync(t);  // the literals are visible to every lane (a vote orders no memory)
      if (!team_all(t, ok)) ZFAIL(Z_HUFFMAN, q);
    } else {
      if (cend - q < 10) ZFAIL(Z_HUFFMAN, q);
      uint32_t s1 = rd16(q), s2 = rd16(q + 2), s3 = rd16(q + 4);
      const uint8_t* s = q + 6;
      uint32_t total = (uint32_t)(cend - s);
      if ((uint64_t)s1 + s2 + s3 > total) ZFAIL(Z_HUFFMAN, q);
      uint32_t s4 = total - s1 - s2 - s3;
      uint32_t seg = (regen + 3) / 4;
      if (3 * seg > regen) ZFAIL(Z_HUFFMAN, q);
      uint32_t last = regen - 3 * seg;
      // four independent streams: lane k decodes stream k (one lane decodes all four alone)
      const uint8_t* at[4] = {s, s + s1, s + s1 + s2, s + s1 + s2 + s3};
      const uint32_t len[4] = {s1, s2, s3, s4};
      bool ok = true;
      for (int k = t.lane; k < 4; k += t.width)
        ok = ok && huf_stream(w, at[k], len[k], tail + k * seg, k == 3 ? last : seg);
      team_sync(t);
      if (!team_all(t, ok)) ZFAIL(Z_HUFFMAN, q);
    }
    lits = tail;
    q = cend;
  }
  // ---- sequences section
  if (q >= end) ZFAIL(Z_TRUNCATED, q);
  uint32_t nseq = q[0];
  if (nseq == 0) {
    if (q + 1 != end) ZFAIL(Z_SEQUENCES, q);
    team_copy_fwd(t, out + *o, lits, regen);
    *o += regen;
    return ZstdResult{Z_OK, 0};
  }
  if (nseq < 128) {
    q += 1;
  } else if (nseq < 255) {
    if (end - q < 2) ZFAIL(Z_TRUNCATED, q);
    nseq = ((nseq - 128) << 8) + q[1];
    q += 2;
  } else {
    if (end - q < 3) ZFAIL(Z_TRUNCATED, q);
    nseq = rd16(q + 1) + 0x7f00;
    q += 3;
  }
  if (q >= end) ZFAIL(Z_TRUNCATED, q);
  const uint32_t modes = q[0];
  if (modes & 3) ZFAIL(Z_SEQUENCES, q);
  q += 1;
  const int mode[3] = {(int)(modes >> 6), (int)((modes >> 4) & 3), (int)((modes >> 2) & 3)};  // LL, OF, ML
  for (int k = 0; k < 3; k++) {
    int used = 0;
    if (t.lane == 0) used = seq_table(w, k, mode[k], q, end);  // writes the shared table: one lane
    team_sync(t);
    used = (int)team_bcast(t, (uint32_t)used);
    if (used < 0) ZFAIL(mode[k] == 3 ? Z_NO_TABLE : Z_FSE_TABLE, q);
    q += used;
  }
  BackBits b;
  if (!back_init(b, q, (uint32_t)(end - q))) ZFAIL(Z_SEQUENCES, q);
  uint32_t sll = back_read(b, w.ll_log), sof = back_read(b, w.of_log), sml = back_read(b, w.ml_log);
  if (b.pos < 0) ZFAIL(Z_SEQUENCES, q);
  uint32_t lit_left = regen;
  uint32_t op = *o;
  for (uint32_t i = 0; i < nseq; i++) {
    const int ofc = w.of[sof].symbol, llc = w.ll[sll].symbol, mlc = w.ml[sml].symbol;
    if (ofc > OF_MAX_SYM) ZFAIL(Z_SEQUENCES, q);
    uint32_t ofv = (1u << ofc) + back_read(b, ofc);
    uint32_t ml = ml_base(mlc) + back_read(b, ml_bits(mlc));
    uint32_t ll = ll_base(llc) + back_read(b, ll_bits(llc));
    if (i + 1 < nseq) {
      sll = w.ll[sll].base + back_read(b, w.ll[sll].bits);
      sml = w.ml[sml].base + back_read(b, w.ml[sml].bits);
      sof = w.of[sof].base + back_read(b, w.of[sof].bits);
    }
    if (b.pos < 0) ZFAIL(Z_SEQUENCES, q);
    uint32_t off;
    if (ofv > 3) {
      off = ofv - 3;
      sq.rep[2] = sq.rep[1];
      sq.rep[1] = sq.rep[0];
      sq.rep[0] = off;
    } else {
      uint32_t r = ofv - 1 + (ll == 0 ? 1 : 0);  // 0..3
      if (r == 0) {
        off = sq.rep[0];
      } else {
        off = r == 3 ? sq.rep[0] - 1 : sq.rep[r];
        if (r != 1) sq.rep[2] = sq.rep[1];
        sq.rep[1] = sq.rep[0];
        sq.rep[0] = off;
      }
    }
    // bounds: literals available; nothing written past the first unread literal (output end)
    if (ll > lit_left) ZFAIL(Z_SEQUENCES, q);
    uint32_t after = lit_left - ll;
    if ((uint64_t)op + ll + ml + after > cap) ZFAIL(Z_OUTPUT_SIZE, q);
    const uint8_t* lp = lits + (regen - lit_left);
    team_copy_fwd(t, out + op, lp, ll);
    op += ll;
    lit_left = after;
    if (off == 0 || off > op - fstart) ZFAIL(Z_OFFSET, q);
    team_match(t, out + op, off, ml);
    op += ml;
  }
  if (b.pos != 0) ZFAIL(Z_SEQUENCES, q);
  const uint8_t* lp = lits + (regen - lit_left);
  if ((uint64_t)op + lit_left > cap) ZFAIL(Z_OUTPUT_SIZE, q);
  team_copy_fwd(t, out + op, lp, lit_left);
  op += lit_left;
  *o = op;
  return ZstdResult{Z_OK, 0};
#undef ZFAIL
}

// Decodes every frame of [in, in + n) into exactly cap bytes at out. w is the worker's scratch.
HOMI_HD inline ZstdResult zstd_decompress(const Team& t, ZstdWork& w, const uint8_t* in, uint32_t n, uint8_t* out,
                                          uint32_t cap) {
#define ZFAIL(r, q) return ZstdResult{(r), (uint32_t)((q) - in)}
  const uint8_t* p = in;
  const uint8_t* end = in + n;
  uint32_t o = 0;
  int frames = 0;
  while (p < end) {  // every frame consumes at least 4 bytes
    if (end - p < 4) ZFAIL(Z_TRUNCATED, p);
    uint32_t magic = rd32(p);
    if ((magic & 0xfffffff0u) == 0x184d2a50u) {  // skippable frame
      if (end - p < 8) ZFAIL(Z_TRUNCATED, p);
      uint32_t len = rd32(p + 4);
      if ((uint64_t)(end - p - 8) < len) ZFAIL(Z_TRUNCATED, p);
      p += 8 + len;
      continue;
    }
    if (magic != 0xfd2fb528u) ZFAIL(Z_MAGIC, p);
    p += 4;
    if (p >= end) ZFAIL(Z_TRUNCATED, p);
    const uint32_t fhd = *p++;
    const int fcs_flag = fhd >> 6, single = (fhd >> 5) & 1, checksum = (fhd >> 2) & 1, did_flag = fhd & 3;
    if (fhd & 8) ZFAIL(Z_FRAME_HEADER, p - 1);
    const int did_size = did_flag == 0 ? 0 : did_flag == 1 ? 1 : did_flag == 2 ? 2 : 4;
    const int fcs_size = fcs_flag == 0 ? single : fcs_flag == 1 ? 2 : fcs_flag == 2 ? 4 : 8;
    const int hdr = (single ? 0 : 1) + did_size + fcs_size;
    if (end - p < hdr) ZFAIL(Z_TRUNCATED, p);
    if (!single) {
      // The whole page is in memory, so the window needs no buffer here; but zstd (zstd-jni, the
      // CPU decoder) refuses windows over 2^27 by default, and a page the CPU path refuses must not
      // decode on the GPU.
      const int exp = (p[0] >> 3) + 10, mant = p[0] & 7;
      if (exp > 27 || (exp == 27 && mant != 0)) ZFAIL(Z_FRAME_HEADER, p);
      p += 1;
    }
    uint32_t dict = 0;
    for (int i = 0; i < did_size; i++) dict |= (uint32_t)p[i] << (8 * i);
    p += did_size;
    if (dict != 0) ZFAIL(Z_DICTIONARY, p - did_size);
    bool has_fcs = fcs_size > 0;
    uint64_t fcs = 0;
    for (int i = 0; i < fcs_size; i++) fcs |= (uint64_t)p[i] << (8 * i);
    if (fcs_size == 2) fcs += 256;
    p += fcs_size;
    if (has_fcs && fcs > cap - o) ZFAIL(Z_OUTPUT_SIZE, p);
    // a new frame: no history, no tables
    const uint32_t fstart = o;
    team_sync(t);  // every lane is done with the previous frame's tables
    if (t.lane == 0) w.have_ll = w.have_of = w.have_ml = w.have_huf = 0;
    team_sync(t);
    Seq sq;
    sq.rep[0] = 1;
    sq.rep[1] = 4;
    sq.rep[2] = 8;
    for (;;) {  // blocks: each consumes at least 3 input bytes
      if (end - p < 3) ZFAIL(Z_TRUNCATED, p);
      const uint32_t bh = rd24(p);
      const bool last = bh & 1;
      const int type = (bh >> 1) & 3;
      const uint32_t size = bh >> 3;
      p += 3;
      if (type == 3) ZFAIL(Z_BLOCK_TYPE, p - 3);
      if (size > BLOCK_MAX) ZFAIL(Z_BLOCK_TYPE, p - 3);
      if (type == 0) {
        if ((uint32_t)(end - p) < size) ZFAIL(Z_TRUNCATED, p);
        if (size > cap - o) ZFAIL(Z_OUTPUT_SIZE, p);
        team_copy_fwd(t, out + o, p, size);  // from the input: no overlap
        o += size;
        p += size;
      } else if (type == 1) {
        if (p >= end) ZFAIL(Z_TRUNCATED, p);
        if (size > cap - o) ZFAIL(Z_OUTPUT_SIZE, p);
        team_fill(t, out + o, p[0], size);
        o += size;
        p += 1;
      } else {
        if ((uint32_t)(end - p) < size) ZFAIL(Z_TRUNCATED, p);
        team_sync(t);  // every lane is done with the previous block's tables and literals
        ZstdResult r = zstd_block(t, w, in, p, size, out, &o, cap, fstart, sq);
        if (r.reason != Z_OK) return r;
        p += size;
      }
      if (last) break;
    }
    if (checksum) {
      if (end - p < 4) ZFAIL(Z_TRUNCATED, p);
      p += 4;
    }
    if (has_fcs && o - fstart != fcs) ZFAIL(Z_OUTPUT_SIZE, p);
    frames++;
  }
  if (frames == 0 || o != cap) ZFAIL(Z_OUTPUT_SIZE, p);
  return ZstdResult{Z_OK, 0};
#undef ZFAIL
}

}  // namespace homi_zstd

// The host allocates this many bytes per worker (GpuDecoder.ZSTD_WORK_BYTES).
static_assert(sizeof(homi_zstd::ZstdWork) == 10760, "ZstdWork size is shared with Java (GpuDecoder)");

#ifdef __CUDACC__
#include "decode_common.cuh"

// homi_dec_zstd and homi_dec_zstd_warp (homi.gpuZstd = thread | warp) decode the same way; the
// warp kernel splits a page's copies over 32 lanes and its 4 Huffman streams over 4.
//
// One thread per PF_ZSTD page (a page decodes sequentially, pages in parallel).
// Thread t of the n_workers owns work[t] and takes the next page from *next (zeroed by the host),
// so that a few large pages do not leave the other threads idle behind a fixed split. v2 pages:
// the `prefix` level bytes are stored uncompressed and copied as they are; the frames follow.
extern "C" __global__ void homi_dec_zstd(const homi_dec::PageEntry* pages, uint32_t n_pages, homi_zstd::ZstdWork* work,
                                         uint32_t n_workers, uint32_t* next, int* status) {
  using namespace homi_dec;
  const uint32_t t = blockIdx.x * blockDim.x + threadIdx.x;
  if (t >= n_workers) return;
  for (uint32_t i = atomicAdd(next, 1u); i < n_pages; i = atomicAdd(next, 1u)) {
    const PageEntry pg = pages[i];
    if (!(pg.flags & PF_ZSTD)) continue;
    if (pg.prefix > pg.comp_len || pg.prefix > pg.data_len) {
      fail(status, E_ZSTD, i, homi_zstd::Z_TRUNCATED);
      continue;
    }
    const uint8_t* src = (const uint8_t*)pg.src;
    uint8_t* dst = (uint8_t*)pg.data;
    for (uint32_t k = 0; k < pg.prefix; k++) dst[k] = src[k];
    homi_zstd::ZstdResult r =
        homi_zstd::zstd_decompress(homi_zstd::Team{0, 1, nullptr}, work[t], src + pg.prefix, pg.comp_len - pg.prefix, dst + pg.prefix, pg.data_len - pg.prefix);
    if (r.reason != homi_zstd::Z_OK) {
      const uint32_t at = r.at + pg.prefix;
      fail(status, E_ZSTD, i, (int)((at < 0x3ffffffu ? at : 0x3ffffffu) << 5) | r.reason);
    }
  }
}

// One warp per PF_ZSTD page: warp w (of n_workers) owns work[w]; lane 0 takes the next page from
// *next and the warp decodes it as a Team of 32 (see Team). blockDim must be a multiple of 32.
extern "C" __global__ void homi_dec_zstd_warp(const homi_dec::PageEntry* pages, uint32_t n_pages,
                                              homi_zstd::ZstdWork* work, uint32_t n_workers, uint32_t* next,
                                              int* status) {
  using namespace homi_dec;
  const int lane = threadIdx.x & 31;
  const uint32_t wid = (blockIdx.x * blockDim.x + threadIdx.x) / 32;
  if (wid >= n_workers) return;  // whole warps leave together
  const homi_zstd::Team team{lane, 32, nullptr};
  for (;;) {
    uint32_t i = 0;
    if (lane == 0) i = atomicAdd(next, 1u);
    i = __shfl_sync(0xffffffffu, i, 0);
    if (i >= n_pages) break;
    const PageEntry pg = pages[i];
    if (!(pg.flags & PF_ZSTD)) continue;
    if (pg.prefix > pg.comp_len || pg.prefix > pg.data_len) {
      if (lane == 0) fail(status, E_ZSTD, i, homi_zstd::Z_TRUNCATED);
      continue;
    }
    const uint8_t* src = (const uint8_t*)pg.src;
    uint8_t* dst = (uint8_t*)pg.data;
    for (uint32_t k = lane; k < pg.prefix; k += 32) dst[k] = src[k];
    homi_zstd::ZstdResult r =
        homi_zstd::zstd_decompress(team, work[wid], src + pg.prefix, pg.comp_len - pg.prefix, dst + pg.prefix, pg.data_len - pg.prefix);
    if (r.reason != homi_zstd::Z_OK && lane == 0) {
      const uint32_t at = r.at + pg.prefix;
      fail(status, E_ZSTD, i, (int)((at < 0x3ffffffu ? at : 0x3ffffffu) << 5) | r.reason);
    }
    __syncwarp();  // the scratch is the next page's only once every lane is done with this one
  }
}
#endif
