package io.homi.runtime.parquet;

import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.vector.BaseVariableWidthVector;
import org.apache.arrow.vector.FieldVector;

/**
 * Byte array values of any encoding into Arrow: strings and binaries into a variable-width vector,
 * decimals (BYTE_ARRAY, or FIXED_LEN_BYTE_ARRAY through DELTA_BYTE_ARRAY) into Decimal128. A
 * FIXED_LEN_BYTE_ARRAY column's values must all have its type length.
 */
final class ByteArrayValues implements PageValues {
  private final ColumnDescriptor col;
  private final ByteArraySource source;
  private final String context;
  private final int fixedLength;

  ByteArrayValues(ColumnDescriptor col, ByteArraySource source, String context) {
    this.col = col;
    this.source = source;
    this.context = context;
    this.fixedLength = col.kind().isByteArray() ? -1 : col.typeLength();
  }

  @Override
  public void read(FieldVector v, int dst, int count) throws HomiParquetException {
    source.prepare(count);
    ByteArraySource s = source;
    switch (col.kind()) {
      case DECIMAL_BINARY, FIXED_DECIMAL -> {
        ArrowBuf out = v.getDataBuffer();
        for (int i = 0; i < count; i++) {
          int len = checked(s.next());
          Decimals.putBigEndian(out, dst + i, s.buf, s.off, len, context);
        }
      }
      default -> {
        BaseVariableWidthVector b = (BaseVariableWidthVector) v;
        for (int i = 0; i < count; i++) {
          int len = checked(s.next());
          Bytes.setValue(b, dst + i, s.buf, s.off, len);
        }
      }
    }
  }

  private int checked(int len) throws CorruptParquetException {
    if (fixedLength >= 0 && len != fixedLength) {
      throw new CorruptParquetException(
          context,
          "value of " + len + " bytes in a FIXED_LEN_BYTE_ARRAY(" + fixedLength + ") column");
    }
    return len;
  }
}
