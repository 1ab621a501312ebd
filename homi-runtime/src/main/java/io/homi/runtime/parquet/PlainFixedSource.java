package io.homi.runtime.parquet;

import java.nio.ByteBuffer;

/** PLAIN fixed-width values: the page is already in the layout wanted, so no copy at all. */
final class PlainFixedSource implements FixedSource {
  private final ByteBuffer data;
  private final int width;
  private final String context;
  private int pos;

  PlainFixedSource(ByteBuffer data, int width, String context) {
    this.data = data;
    this.width = width;
    this.context = context;
  }

  @Override
  public int next(int count) throws CorruptParquetException {
    long n = (long) count * width;
    if (n > data.limit() - pos) {
      throw new CorruptParquetException(
          context,
          "PLAIN values end early: need "
              + n
              + " bytes at offset "
              + pos
              + " of a "
              + data.limit()
              + "-byte page");
    }
    int at = pos;
    pos += (int) n;
    return at;
  }

  @Override
  public ByteBuffer buffer() {
    return data;
  }
}
