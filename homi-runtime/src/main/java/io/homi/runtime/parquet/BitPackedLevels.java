package io.homi.runtime.parquet;

import java.nio.ByteBuffer;

/**
 * The deprecated BIT_PACKED level encoding of data page v1: levels packed most significant bit
 * first, no length prefix; the page holds exactly ceil(values * width / 8) bytes of them.
 */
final class BitPackedLevels implements LevelDecoder {
  private final ByteBuffer buf;
  private final int start;
  private final int width;
  private final long values;
  private final String context;
  private long next;

  BitPackedLevels(ByteBuffer buf, int start, int width, long values, String context) {
    this.buf = buf;
    this.start = start;
    this.width = width;
    this.values = values;
    this.context = context;
  }

  /** Bytes the levels take, where the values begin after them. */
  static long byteLength(long values, int width) {
    return (values * width + 7) / 8;
  }

  @Override
  public void readInts(int[] out, int off, int n) throws CorruptParquetException {
    if (next + n > values) throw new CorruptParquetException(context, "BIT_PACKED levels: " + (next + n)
        + " asked of " + values);
    for (int i = 0; i < n; i++) {
      long bitPos = (next + i) * width;
      int v = 0;
      for (int b = 0; b < width; b++, bitPos++) {
        int bt = buf.get(start + (int) (bitPos >>> 3)) & 0xff;
        v = (v << 1) | ((bt >>> (7 - (bitPos & 7))) & 1);
      }
      out[off + i] = v;
    }
    next += n;
  }
}
