package io.homi.runtime.parquet;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.vector.BaseVariableWidthVector;
import org.apache.arrow.vector.BitVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.SmallIntVector;
import org.apache.arrow.vector.TinyIntVector;

/**
 * A column chunk's dictionary page, decoded once (PLAIN) and copied to the heap so it outlives
 * the page buffer; data pages then write dictionary entries by index.
 */
final class Dictionary {
  private final ValueKind kind;
  private final int size;
  private final ByteBuffer fixed; // fixed-width values, little endian
  private final byte[] bytes; // byte arrays, concatenated
  private final int[] offsets; // byte arrays: start of entry i; offsets[size] = end

  private Dictionary(ValueKind kind, int size, ByteBuffer fixed, byte[] bytes, int[] offsets) {
    this.kind = kind;
    this.size = size;
    this.fixed = fixed;
    this.bytes = bytes;
    this.offsets = offsets;
  }

  static Dictionary decode(ByteBuffer page, int numValues, ValueKind kind, String context) throws CorruptParquetException {
    if (numValues < 0) throw new CorruptParquetException(context, "dictionary page with " + numValues + " values");
    if (kind.isVariableWidth()) {
      int[] offsets = new int[numValues + 1];
      int pos = 0;
      for (int i = 0; i < numValues; i++) {
        if (page.limit() - pos < 4) throw new CorruptParquetException(context, "dictionary entry " + i + " past the page end");
        int len = page.getInt(pos);
        if (len < 0 || len > page.limit() - pos - 4) {
          throw new CorruptParquetException(context, "dictionary entry " + i + " has bad length " + len);
        }
        offsets[i] = pos + 4;
        pos += 4 + len;
      }
      // Pack entries contiguously: offsets become positions in the packed array.
      int total = 0;
      for (int i = 0; i < numValues; i++) total += page.getInt(offsets[i] - 4);
      byte[] packed = new byte[total];
      int at = 0;
      int[] packedOffsets = new int[numValues + 1];
      for (int i = 0; i < numValues; i++) {
        int len = page.getInt(offsets[i] - 4);
        page.get(offsets[i], packed, at, len);
        packedOffsets[i] = at;
        at += len;
      }
      packedOffsets[numValues] = at;
      return new Dictionary(kind, numValues, null, packed, packedOffsets);
    }
    if (kind == ValueKind.BOOLEAN) {
      ByteBuffer b = ByteBuffer.allocate(numValues);
      if ((long) numValues > (long) page.limit() * 8) throw new CorruptParquetException(context, "boolean dictionary too short");
      for (int i = 0; i < numValues; i++) b.put(i, (byte) ((page.get(i >>> 3) >>> (i & 7)) & 1));
      return new Dictionary(kind, numValues, b, null, null);
    }
    long need = (long) numValues * kind.plainWidth();
    if (need > page.limit()) {
      throw new CorruptParquetException(context, "dictionary of " + numValues + " values needs " + need
          + " bytes, page has " + page.limit());
    }
    ByteBuffer copy = ByteBuffer.allocate((int) need).order(ByteOrder.LITTLE_ENDIAN);
    copy.put(0, page, 0, (int) need);
    return new Dictionary(kind, numValues, copy, null, null);
  }

  int size() {
    return size;
  }

  /** Writes entries {@code ids[from..from+count)} to positions [dst, dst+count); ids are checked. */
  void write(FieldVector v, int dst, int[] ids, int from, int count, String context) throws CorruptParquetException {
    for (int i = 0; i < count; i++) {
      int id = ids[from + i];
      if (id < 0 || id >= size) {
        throw new CorruptParquetException(context, "dictionary index " + id + " outside a dictionary of " + size);
      }
    }
    ArrowBuf out = v.getDataBuffer();
    switch (kind) {
      case INT32, DATE, FLOAT -> {
        for (int i = 0; i < count; i++) out.setInt((long) (dst + i) * 4, fixed.getInt(ids[from + i] * 4));
      }
      case INT64, DOUBLE -> {
        for (int i = 0; i < count; i++) out.setLong((long) (dst + i) * 8, fixed.getLong(ids[from + i] * 8));
      }
      case INT8 -> {
        TinyIntVector t = (TinyIntVector) v;
        for (int i = 0; i < count; i++) t.set(dst + i, (byte) fixed.getInt(ids[from + i] * 4));
      }
      case INT16 -> {
        SmallIntVector s = (SmallIntVector) v;
        for (int i = 0; i < count; i++) s.set(dst + i, (short) fixed.getInt(ids[from + i] * 4));
      }
      case BOOLEAN -> {
        BitVector b = (BitVector) v;
        for (int i = 0; i < count; i++) b.set(dst + i, fixed.get(ids[from + i]));
      }
      case STRING, BINARY -> {
        BaseVariableWidthVector b = (BaseVariableWidthVector) v;
        for (int i = 0; i < count; i++) {
          int id = ids[from + i];
          b.setSafe(dst + i, bytes, offsets[id], offsets[id + 1] - offsets[id]);
        }
      }
    }
  }
}
