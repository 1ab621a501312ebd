package io.homi.runtime.parquet;

import java.nio.ByteBuffer;

/** PLAIN byte arrays: a 4-byte little-endian length before each value. */
final class PlainByteArrays extends ByteArraySource {
  private final String context;
  private final int limit;
  private int pos;

  PlainByteArrays(ByteBuffer data, String context) {
    this.buf = data;
    this.limit = data.limit();
    this.context = context;
  }

  @Override
  int next() throws CorruptParquetException {
    if (limit - pos < 4)
      throw new CorruptParquetException(
          context, "PLAIN byte array length past the page end at offset " + pos);
    int len = buf.getInt(pos);
    if (len < 0 || len > limit - pos - 4) {
      throw new CorruptParquetException(
          context,
          "byte array length " + len + " at offset " + pos + " of a " + limit + "-byte page");
    }
    off = pos + 4;
    pos = off + len;
    return len;
  }
}
