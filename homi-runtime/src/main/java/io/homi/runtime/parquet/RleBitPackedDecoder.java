package io.homi.runtime.parquet;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The RLE / bit-packed hybrid encoding (definition levels, dictionary indices, RLE booleans): a
 * varint header per run; even = an RLE run of one value, odd = groups of 8 bit-packed values. Reads
 * only inside [start, end) and reports a corrupt run instead of reading past it; a run declaring
 * more values than its bytes hold is refused when its header is read, even where the caller needs
 * fewer of its values.
 */
final class RleBitPackedDecoder implements LevelDecoder {
  private final ByteBuffer buf;
  private final int end;
  private final int bitWidth;
  private final int valueBytes;
  private final String context;
  private int pos;
  private int rleLeft;
  private int rleValue;
  private int packedGroupsLeft;
  private final int[] group = new int[8];
  private int groupPos = 8;

  RleBitPackedDecoder(ByteBuffer buf, int start, int end, int bitWidth, String context) {
    if (bitWidth < 0 || bitWidth > 32)
      throw new IllegalArgumentException("bit width " + bitWidth + " in " + context);
    this.buf =
        buf.duplicate().order(java.nio.ByteOrder.LITTLE_ENDIAN); // getLong in unpackGroupsInto
    this.pos = start;
    this.end = end;
    this.bitWidth = bitWidth;
    this.valueBytes = (bitWidth + 7) / 8;
    this.context = context;
  }

  /** Bytes consumed so far, from the start given. */
  int position() {
    return pos;
  }

  /** Fills out[off, off+n) with the next n values. */
  @Override
  public void readInts(int[] out, int off, int n) throws CorruptParquetException {
    int i = 0;
    while (i < n) {
      if (rleLeft > 0) {
        int k = Math.min(rleLeft, n - i);
        Arrays.fill(out, off + i, off + i + k, rleValue);
        rleLeft -= k;
        i += k;
      } else if (groupPos < 8) {
        int k = Math.min(8 - groupPos, n - i);
        System.arraycopy(group, groupPos, out, off + i, k);
        groupPos += k;
        i += k;
      } else if (packedGroupsLeft > 0 && n - i >= 8) {
        // Whole groups straight into out where 8 bytes can be read past each group's start.
        int groups = Math.min(packedGroupsLeft, (n - i) >>> 3);
        groups = Math.min(groups, Math.max(0, (end - pos - 8) / Math.max(1, bitWidth)));
        if (groups == 0) {
          unpackGroup();
        } else {
          unpackGroupsInto(out, off + i, groups);
          i += groups << 3;
        }
      } else if (packedGroupsLeft > 0) {
        unpackGroup();
      } else {
        nextRun();
      }
    }
  }

  private void nextRun() throws CorruptParquetException {
    if (bitWidth == 0) { // every value is 0 and nothing is stored
      rleLeft = Integer.MAX_VALUE;
      rleValue = 0;
      return;
    }
    long header = readVarint();
    if ((header & 1) == 0) {
      long count = header >>> 1;
      if (count == 0 || count > Integer.MAX_VALUE) throw corrupt("RLE run of " + count + " values");
      if (pos + valueBytes > end) throw corrupt("RLE run value past the end of its data");
      int v = 0;
      for (int b = 0; b < valueBytes; b++) v |= (buf.get(pos + b) & 0xff) << (8 * b);
      pos += valueBytes;
      if (bitWidth < 32 && (v >>> bitWidth) != 0)
        throw corrupt("RLE value " + v + " wider than " + bitWidth + " bits");
      rleLeft = (int) count;
      rleValue = v;
    } else {
      long groups = header >>> 1;
      if (groups == 0 || groups > (Integer.MAX_VALUE / 8))
        throw corrupt("bit-packed run of " + groups + " groups");
      // Every declared group must lie in the data (the last one may lack its padding, see
      // unpackGroup): a header whose bytes were damaged into a longer run would otherwise shift
      // the values read after it, i.e. return other values without an error (issue 22's
      // snappy flip). Spark's reader refuses such a run when it unpacks it (EOFException).
      long bytes = (groups - 1) * bitWidth + 1;
      if (bytes > end - pos) {
        throw corrupt(
            "bit-packed run of "
                + groups
                + " groups ("
                + groups * bitWidth
                + " bytes at "
                + bitWidth
                + " bits) but only "
                + (end - pos)
                + " bytes remain");
      }
      packedGroupsLeft = (int) groups;
    }
  }

  private void unpackGroup() throws CorruptParquetException {
    if (pos >= end) throw corrupt("bit-packed run past the end of its data");
    long acc = 0;
    int bits = 0;
    long mask = bitWidth == 32 ? 0xffffffffL : (1L << bitWidth) - 1;
    for (int v = 0; v < 8; v++) {
      while (bits < bitWidth) {
        // Writers may omit the padding of the last group; missing bytes read as zero.
        long b = pos < end ? buf.get(pos) & 0xff : 0;
        pos++;
        acc |= b << bits;
        bits += 8;
      }
      group[v] = (int) (acc & mask);
      acc >>>= bitWidth;
      bits -= bitWidth;
    }
    pos = Math.min(pos, end);
    packedGroupsLeft--;
    groupPos = 0;
  }

  /**
   * Unpacks {@code groups} whole groups of 8 values into out[at...]: value v of a group starts at
   * bit v*bitWidth of the group's bitWidth bytes, and one little-endian 8-byte load covers it (at
   * most 32 + 7 bits). The caller guarantees pos + groups * bitWidth + 8 <= end.
   */
  private void unpackGroupsInto(int[] out, int at, int groups) {
    int w = bitWidth;
    long mask = w == 32 ? 0xffffffffL : (1L << w) - 1;
    int p = pos;
    for (int g = 0; g < groups; g++) {
      for (int v = 0; v < 8; v++) {
        int bit = v * w;
        out[at + v] = (int) ((buf.getLong(p + (bit >>> 3)) >>> (bit & 7)) & mask);
      }
      at += 8;
      p += w;
    }
    pos = p;
    packedGroupsLeft -= groups;
  }

  private long readVarint() throws CorruptParquetException {
    long v = 0;
    for (int shift = 0; shift < 35; shift += 7) {
      if (pos >= end) throw corrupt("run header past the end of its data");
      int b = buf.get(pos++) & 0xff;
      v |= (long) (b & 0x7f) << shift;
      if ((b & 0x80) == 0) return v;
    }
    throw corrupt("run header varint longer than 5 bytes");
  }

  private CorruptParquetException corrupt(String what) {
    return new CorruptParquetException(context, what + " at byte " + pos);
  }
}
