package io.homi.runtime.parquet;

import java.nio.ByteBuffer;

/**
 * DELTA_BINARY_PACKED: a header (block size, miniblocks per block, value count, first value), then
 * blocks of a zigzag min delta, one bit width per miniblock and the bit-packed deltas. Values are
 * summed in 64-bit two's complement, which is also right for INT32 once truncated. Reads only
 * inside [start, end); a miniblock or count that does not fit is a corrupt page.
 */
final class DeltaBinaryPackedDecoder {
  private final ByteBuffer buf;
  private final int end;
  private final String context;
  private final int miniblocks;
  private final int perMiniblock;
  private final int total;
  private final int[] widths;
  private int pos;
  private int emitted;
  private long last;
  private long minDelta;
  private int mbIndex;
  private int mbLeft;
  private long mbBit;
  private int mbWidth;

  DeltaBinaryPackedDecoder(ByteBuffer buf, int start, int end, String context)
      throws CorruptParquetException {
    this.buf = buf;
    this.pos = start;
    this.end = end;
    this.context = context;
    long blockSize = readVarint();
    long mbs = readVarint();
    long count = readVarint();
    if (blockSize <= 0
        || blockSize % 128 != 0
        || blockSize > (1 << 20)
        || mbs <= 0
        || blockSize % mbs != 0
        || (blockSize / mbs) % 8 != 0) {
      throw corrupt(
          "DELTA_BINARY_PACKED header: block size " + blockSize + ", " + mbs + " miniblocks");
    }
    if (count < 0 || count > Integer.MAX_VALUE)
      throw corrupt("DELTA_BINARY_PACKED value count " + count);
    this.miniblocks = (int) mbs;
    this.perMiniblock = (int) (blockSize / mbs);
    this.total = (int) count;
    this.widths = new int[miniblocks];
    this.mbIndex = miniblocks; // the first delta reads a block header
    this.last = zigzag(readVarint());
  }

  /** How many values the header says the stream holds. */
  int total() {
    return total;
  }

  /** Where the stream's bytes end once every value has been read. */
  int position() {
    return pos;
  }

  void readLongs(long[] out, int off, int n) throws CorruptParquetException {
    if (n > total - emitted)
      throw corrupt("asked for " + n + " values, " + (total - emitted) + " left of " + total);
    for (int i = 0; i < n; i++) {
      if (emitted > 0) {
        if (mbLeft == 0) nextMiniblock();
        last += minDelta + readBits();
        mbLeft--;
      }
      out[off + i] = last;
      emitted++;
    }
  }

  /**
   * Decodes the whole stream as ints (lengths of DELTA_LENGTH/DELTA_BYTE_ARRAY); count bounded by
   * the caller.
   */
  int[] readAllInts(int maxCount) throws CorruptParquetException {
    if (total > maxCount)
      throw corrupt("DELTA_BINARY_PACKED holds " + total + " values, the page at most " + maxCount);
    long[] tmp = new long[Math.min(total, 4096)];
    int[] out = new int[total];
    for (int done = 0; done < total; ) {
      int k = Math.min(tmp.length, total - done);
      readLongs(tmp, 0, k);
      for (int i = 0; i < k; i++) {
        if (tmp[i] < 0 || tmp[i] > Integer.MAX_VALUE) throw corrupt("length " + tmp[i]);
        out[done + i] = (int) tmp[i];
      }
      done += k;
    }
    return out;
  }

  private void nextMiniblock() throws CorruptParquetException {
    if (mbIndex == miniblocks) {
      minDelta = zigzag(readVarint());
      if (end - pos < miniblocks)
        throw corrupt("DELTA_BINARY_PACKED bit widths past the end of the page");
      // a width is checked when its miniblock is read: the spec lets the widths of the last
      // block's unneeded miniblocks hold anything (parquet-java and the GPU kernel accept them)
      for (int i = 0; i < miniblocks; i++) widths[i] = buf.get(pos++) & 0xff;
      mbIndex = 0;
    }
    mbWidth = widths[mbIndex++];
    if (mbWidth > 64) throw corrupt("DELTA_BINARY_PACKED bit width " + mbWidth);
    long bytes = (long) perMiniblock * mbWidth / 8;
    long needBits = (long) Math.min(perMiniblock, total - emitted) * mbWidth;
    if ((long) pos * 8 + needBits > (long) end * 8)
      throw corrupt("DELTA_BINARY_PACKED miniblock past the end of the page");
    mbBit = (long) pos * 8;
    pos = (int) Math.min(end, pos + bytes);
    mbLeft = perMiniblock;
  }

  private long readBits() {
    int w = mbWidth;
    if (w == 0) return 0;
    long v = 0;
    int got = 0;
    long bp = mbBit;
    while (got < w) {
      int b = buf.get((int) (bp >>> 3)) & 0xff;
      int sh = (int) (bp & 7);
      int take = Math.min(8 - sh, w - got);
      v |= (long) ((b >>> sh) & ((1 << take) - 1)) << got;
      got += take;
      bp += take;
    }
    mbBit = bp;
    return v;
  }

  private long readVarint() throws CorruptParquetException {
    long v = 0;
    for (int shift = 0; shift < 70; shift += 7) {
      if (pos >= end) throw corrupt("varint past the end of the page");
      int b = buf.get(pos++) & 0xff;
      v |= (long) (b & 0x7f) << shift;
      if ((b & 0x80) == 0) return v;
    }
    throw corrupt("varint longer than 10 bytes");
  }

  private static long zigzag(long n) {
    return (n >>> 1) ^ -(n & 1);
  }

  private CorruptParquetException corrupt(String what) {
    return new CorruptParquetException(context, what + " at byte " + pos);
  }
}
