package io.homi.runtime.parquet;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A column chunk's dictionary page, decoded once (PLAIN) and copied to the heap so it outlives the
 * page buffer: fixed-width entries in PLAIN layout, byte arrays packed end to end.
 */
final class Dictionary {
  private int[] ints;
  private long[] longs;
  private final int size;
  private final int width; // fixed-width entries; -1 for byte arrays
  private final ByteBuffer data;
  private final int[] offsets; // byte arrays: start of entry i; offsets[size] = end

  private Dictionary(int size, int width, ByteBuffer data, int[] offsets) {
    this.size = size;
    this.width = width;
    this.data = data;
    this.offsets = offsets;
  }

  static Dictionary decode(ByteBuffer page, int numValues, ColumnDescriptor col, String context)
      throws HomiParquetException {
    if (numValues < 0)
      throw new CorruptParquetException(context, "dictionary page with " + numValues + " values");
    if (col.kind().isByteArray()) return decodeByteArrays(page, numValues, context);
    if (col.kind() == ValueKind.BOOLEAN) {
      throw new UnsupportedParquetException(
          "dictionary-encoded BOOLEAN column '" + col.name() + "'", context);
    }
    int w = col.plainWidth();
    long need = (long) numValues * w;
    if (need > page.limit()) {
      throw new CorruptParquetException(
          context,
          "dictionary of "
              + numValues
              + " values needs "
              + need
              + " bytes, page has "
              + page.limit());
    }
    ByteBuffer copy = ByteBuffer.allocate((int) need).order(ByteOrder.LITTLE_ENDIAN);
    copy.put(0, page, 0, (int) need);
    return new Dictionary(numValues, w, copy, null);
  }

  private static Dictionary decodeByteArrays(ByteBuffer page, int numValues, String context)
      throws CorruptParquetException {
    // Each entry takes at least its 4-byte length, which bounds numValues by the page size.
    if ((long) numValues * 4 > page.limit()) {
      throw new CorruptParquetException(
          context,
          "dictionary of " + numValues + " byte arrays cannot fit in " + page.limit() + " bytes");
    }
    int[] offsets = new int[numValues + 1];
    int pos = 0;
    int total = 0;
    for (int i = 0; i < numValues; i++) {
      if (page.limit() - pos < 4)
        throw new CorruptParquetException(context, "dictionary entry " + i + " past the page end");
      int len = page.getInt(pos);
      if (len < 0 || len > page.limit() - pos - 4) {
        throw new CorruptParquetException(
            context, "dictionary entry " + i + " has bad length " + len);
      }
      pos += 4 + len;
      total += len;
    }
    byte[] packed = new byte[total];
    pos = 0;
    int at = 0;
    for (int i = 0; i < numValues; i++) {
      int len = page.getInt(pos);
      page.get(pos + 4, packed, at, len);
      offsets[i] = at;
      at += len;
      pos += 4 + len;
    }
    offsets[numValues] = at;
    return new Dictionary(numValues, -1, ByteBuffer.wrap(packed), offsets);
  }

  int size() {
    return size;
  }

  /** Fixed-width entries in PLAIN layout. */
  /**
   * 4-byte entries as an int array, built on first use: the dictionary gather's hot loop reads it.
   */
  int[] ints() {
    if (ints == null) {
      int[] a = new int[size()];
      for (int i = 0; i < a.length; i++) a[i] = fixedData().getInt(4 * i);
      ints = a;
    }
    return ints;
  }

  /** 8-byte entries as a long array, built on first use. */
  long[] longs() {
    if (longs == null) {
      long[] a = new long[size()];
      for (int i = 0; i < a.length; i++) a[i] = fixedData().getLong(8 * i);
      longs = a;
    }
    return longs;
  }

  ByteBuffer fixedData() {
    return data;
  }

  int width() {
    return width;
  }

  /** Byte array entries: the packed bytes, and entry i at [offset(i), offset(i + 1)). */
  ByteBuffer bytes() {
    return data;
  }

  int offset(int i) {
    return offsets[i];
  }
}
