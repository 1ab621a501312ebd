package io.homi.runtime.parquet;

import java.nio.ByteBuffer;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.vector.BaseVariableWidthVector;
import org.apache.arrow.vector.BitVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.SmallIntVector;
import org.apache.arrow.vector.TinyIntVector;

/**
 * PLAIN-encoded values. Fixed-width values whose Arrow layout equals the page's are copied in
 * one bulk copy per run; booleans are unpacked from bits; byte arrays are length-prefixed.
 * Every read is bounds-checked against the page, so a short page is an error, not garbage.
 */
final class PlainValues implements PageValues {
  private final ByteBuffer data;
  private final ValueKind kind;
  private final String context;
  private int pos;
  private int bit; // booleans: bit index from the start of data

  PlainValues(ByteBuffer data, ValueKind kind, String context) {
    this.data = data;
    this.kind = kind;
    this.context = context;
  }

  @Override
  public void read(FieldVector v, int dst, int count) throws HomiParquetException {
    switch (kind) {
      case BOOLEAN -> readBooleans((BitVector) v, dst, count);
      case STRING, BINARY -> readBinary((BaseVariableWidthVector) v, dst, count);
      case INT8, INT16 -> readNarrowInts(v, dst, count);
      default -> readFixed(v, dst, count);
    }
  }

  private void need(long bytes) throws CorruptParquetException {
    if (bytes > data.limit() - pos) {
      throw new CorruptParquetException(context, "PLAIN values end early: need " + bytes + " bytes at offset " + pos
          + " of a " + data.limit() + "-byte page");
    }
  }

  private void readFixed(FieldVector v, int dst, int count) throws CorruptParquetException {
    int w = kind.plainWidth();
    long n = (long) count * w;
    need(n);
    ArrowBuf out = v.getDataBuffer();
    out.setBytes((long) dst * w, data.slice(pos, (int) n));
    pos += (int) n;
  }

  private void readNarrowInts(FieldVector v, int dst, int count) throws CorruptParquetException {
    need((long) count * 4);
    if (kind == ValueKind.INT8) {
      TinyIntVector t = (TinyIntVector) v;
      for (int i = 0; i < count; i++, pos += 4) t.set(dst + i, (byte) data.getInt(pos));
    } else {
      SmallIntVector s = (SmallIntVector) v;
      for (int i = 0; i < count; i++, pos += 4) s.set(dst + i, (short) data.getInt(pos));
    }
  }

  private void readBooleans(BitVector v, int dst, int count) throws CorruptParquetException {
    if ((long) bit + count > (long) data.limit() * 8) {
      throw new CorruptParquetException(context, "PLAIN booleans end early: need " + count + " bits at bit " + bit);
    }
    for (int i = 0; i < count; i++, bit++) {
      int b = (data.get(bit >>> 3) >>> (bit & 7)) & 1;
      v.set(dst + i, b);
    }
  }

  private void readBinary(BaseVariableWidthVector v, int dst, int count) throws CorruptParquetException {
    for (int i = 0; i < count; i++) {
      need(4);
      int len = data.getInt(pos);
      if (len < 0) throw new CorruptParquetException(context, "negative byte array length " + len + " at offset " + pos);
      pos += 4;
      need(len);
      v.setSafe(dst + i, data, pos, len);
      pos += len;
    }
  }
}
