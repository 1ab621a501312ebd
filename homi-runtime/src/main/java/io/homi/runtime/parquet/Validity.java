package io.homi.runtime.parquet;

import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.vector.BitVectorHelper;
import org.apache.arrow.vector.FieldVector;

/** Sets runs of validity bits: bit by bit to a byte boundary, then whole bytes at once. */
final class Validity {
  private Validity() {}

  static void setRange(FieldVector v, int start, int count) {
    ArrowBuf buf = v.getValidityBuffer();
    int i = start;
    int end = start + count;
    while (i < end && (i & 7) != 0) BitVectorHelper.setBit(buf, i++);
    int fullBytes = (end - i) >>> 3;
    if (fullBytes > 0) {
      buf.setOne((long) (i >>> 3), (long) fullBytes);
      i += fullBytes << 3;
    }
    while (i < end) BitVectorHelper.setBit(buf, i++);
  }
}
