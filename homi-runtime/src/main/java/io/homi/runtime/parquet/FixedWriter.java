package io.homi.runtime.parquet;

import java.nio.ByteBuffer;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.vector.BaseVariableWidthVector;
import org.apache.arrow.vector.FieldVector;

/**
 * Fixed-width values laid out as PLAIN stores them (little endian, the column's width) into an
 * Arrow vector. Every encoding of a fixed-width column ends here, so a type conversion is written
 * once: a bulk copy where Arrow's layout equals the page's, a tight loop otherwise.
 */
final class FixedWriter {
  /**
   * Microseconds between the Julian day 0 and 1970-01-01 is this many days (Spark's
   * JULIAN_DAY_OF_EPOCH).
   */
  private static final int JULIAN_DAY_OF_EPOCH = 2440588;

  private static final long MICROS_PER_DAY = 86_400_000_000L;

  private FixedWriter() {}

  static void write(
      ColumnDescriptor c, FieldVector v, int dst, ByteBuffer src, int at, int count, String context)
      throws HomiParquetException {
    ArrowBuf out = v.getDataBuffer();
    int w = c.plainWidth();
    switch (c.kind()) {
      case INT32, UINT16, INT64, FLOAT, DOUBLE, DATE, TIMESTAMP_MICROS ->
          Bytes.copy(out, (long) dst * w, src, at, count * w);
      case INT8 -> {
        for (int i = 0; i < count; i++) out.setByte(dst + i, (byte) src.getInt(at + 4 * i));
      }
      case INT16, UINT8 -> {
        for (int i = 0; i < count; i++)
          out.setShort((long) (dst + i) * 2, (short) src.getInt(at + 4 * i));
      }
      case UINT32 -> {
        for (int i = 0; i < count; i++)
          out.setLong((long) (dst + i) * 8, src.getInt(at + 4 * i) & 0xffffffffL);
      }
      case UINT64 -> {
        for (int i = 0; i < count; i++)
          Decimals.putUnsignedLong(out, dst + i, src.getLong(at + 8 * i));
      }
      case DECIMAL_INT32 -> {
        for (int i = 0; i < count; i++) Decimals.putLong(out, dst + i, src.getInt(at + 4 * i));
      }
      case DECIMAL_INT64 -> {
        for (int i = 0; i < count; i++) Decimals.putLong(out, dst + i, src.getLong(at + 8 * i));
      }
      case TIMESTAMP_MILLIS -> {
        for (int i = 0; i < count; i++) {
          long ms = src.getLong(at + 8 * i);
          long us = ms * 1000;
          if (us / 1000 != ms)
            throw new CorruptParquetException(
                context, "timestamp of " + ms + " ms overflows microseconds");
          out.setLong((long) (dst + i) * 8, us);
        }
      }
      case INT96 -> {
        // Spark's DateTimeUtils.fromJulianDay: nanos of day (8 bytes LE), then the Julian day (4
        // bytes LE).
        for (int i = 0; i < count; i++) {
          int p = at + 12 * i;
          long nanos = src.getLong(p);
          long days = src.getInt(p + 8);
          out.setLong(
              (long) (dst + i) * 8, (days - JULIAN_DAY_OF_EPOCH) * MICROS_PER_DAY + nanos / 1000);
        }
      }
      case FIXED_BINARY -> {
        BaseVariableWidthVector b = (BaseVariableWidthVector) v;
        for (int i = 0; i < count; i++) Bytes.setValue(b, dst + i, src, at + w * i, w);
      }
      case FIXED_DECIMAL -> {
        for (int i = 0; i < count; i++)
          Decimals.putBigEndian(out, dst + i, src, at + w * i, w, context);
      }
      default -> throw new IllegalStateException(c.kind() + " is not a fixed-width kind");
    }
  }
}
