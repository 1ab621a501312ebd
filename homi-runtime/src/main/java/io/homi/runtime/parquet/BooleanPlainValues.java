package io.homi.runtime.parquet;

import java.nio.ByteBuffer;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.vector.FieldVector;

/**
 * PLAIN booleans: bit-packed, least significant bit first; whole bytes copy when both sides are
 * aligned.
 */
final class BooleanPlainValues implements PageValues {
  private final ByteBuffer data;
  private final String context;
  private long bit;

  BooleanPlainValues(ByteBuffer data, String context) {
    this.data = data;
    this.context = context;
  }

  @Override
  public void read(FieldVector v, int dst, int count) throws CorruptParquetException {
    if (bit + count > (long) data.limit() * 8) {
      throw new CorruptParquetException(
          context,
          "PLAIN booleans end early: need "
              + count
              + " bits at bit "
              + bit
              + " of a "
              + data.limit()
              + "-byte page");
    }
    ArrowBuf out = v.getDataBuffer();
    int i = 0;
    if ((bit & 7) == 0 && (dst & 7) == 0 && count >= 8) {
      int bytes = count >>> 3;
      Bytes.copy(out, dst >>> 3, data, (int) (bit >>> 3), bytes);
      i = bytes << 3;
    }
    for (; i < count; i++) {
      long b = bit + i;
      int value = (data.get((int) (b >>> 3)) >>> (b & 7)) & 1;
      int d = dst + i;
      byte old = out.getByte(d >>> 3);
      out.setByte(d >>> 3, value == 0 ? old & ~(1 << (d & 7)) : old | (1 << (d & 7)));
    }
    bit += count;
  }
}
