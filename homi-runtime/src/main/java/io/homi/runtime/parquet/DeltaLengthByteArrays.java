package io.homi.runtime.parquet;

import java.nio.ByteBuffer;

/** DELTA_LENGTH_BYTE_ARRAY: all lengths (DELTA_BINARY_PACKED), then all bytes end to end. */
final class DeltaLengthByteArrays extends ByteArraySource {
  private final int[] lengths;
  private final int limit;
  private final String context;
  private int next;
  private int pos;

  DeltaLengthByteArrays(ByteBuffer data, int start, int maxValues, String context)
      throws CorruptParquetException {
    DeltaBinaryPackedDecoder d = new DeltaBinaryPackedDecoder(data, start, data.limit(), context);
    this.lengths = d.readAllInts(maxValues);
    this.pos = d.position();
    this.buf = data;
    this.limit = data.limit();
    this.context = context;
  }

  /** Where the byte data ends once every value was read (DELTA_BYTE_ARRAY has nothing after it). */
  @Override
  int next() throws CorruptParquetException {
    if (next >= lengths.length)
      throw new CorruptParquetException(
          context, "DELTA_LENGTH_BYTE_ARRAY holds only " + lengths.length + " values");
    int len = lengths[next++];
    if (len > limit - pos) {
      throw new CorruptParquetException(
          context, "byte array of " + len + " bytes at offset " + pos + " past the page end");
    }
    off = pos;
    pos += len;
    return len;
  }
}
