package io.homi.runtime.parquet;

import java.nio.ByteBuffer;
import org.apache.arrow.vector.BitVector;
import org.apache.arrow.vector.FieldVector;

/**
 * Booleans in the RLE encoding (data page v2 writers use it): 4-byte length, then the hybrid at
 * width 1.
 */
final class RleBooleanValues implements PageValues {
  private final RleBitPackedDecoder bits;
  private int[] scratch = new int[1024];

  RleBooleanValues(ByteBuffer data, String context) throws CorruptParquetException {
    if (data.limit() < 4)
      throw new CorruptParquetException(context, "RLE boolean page without its length prefix");
    int len = data.getInt(0);
    if (len < 0 || len > data.limit() - 4)
      throw new CorruptParquetException(context, "RLE boolean length " + len);
    this.bits = new RleBitPackedDecoder(data, 4, 4 + len, 1, context);
  }

  @Override
  public void read(FieldVector v, int dst, int count) throws HomiParquetException {
    if (scratch.length < count) scratch = new int[count];
    bits.readInts(scratch, 0, count);
    BitVector b = (BitVector) v;
    for (int i = 0; i < count; i++) b.set(dst + i, scratch[i]);
  }
}
