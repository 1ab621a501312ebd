package io.homi.runtime.parquet;

import java.nio.ByteBuffer;
import org.apache.arrow.memory.ArrowBuf;

/**
 * Writes Arrow Decimal128 values (16 bytes, little-endian two's complement) from Parquet's forms.
 */
final class Decimals {
  private Decimals() {}

  static void putLong(ArrowBuf out, int index, long value) {
    long at = (long) index * 16;
    out.setLong(at, value);
    out.setLong(at + 8, value >> 63);
  }

  static void putUnsignedLong(ArrowBuf out, int index, long value) {
    long at = (long) index * 16;
    out.setLong(at, value);
    out.setLong(at + 8, 0L);
  }

  /**
   * A big-endian two's complement integer of {@code len} bytes (FIXED_LEN_BYTE_ARRAY and BYTE_ARRAY
   * decimals). Longer than 16 bytes is allowed only when the extra leading bytes are sign
   * extension; otherwise the value cannot be a DecimalType(<=38) and the page is corrupt.
   */
  static void putBigEndian(
      ArrowBuf out, int index, ByteBuffer src, int off, int len, String context)
      throws CorruptParquetException {
    if (len == 0) {
      putLong(out, index, 0);
      return;
    }
    int skip = Math.max(0, len - 16);
    long fill = src.get(off) < 0 ? -1L : 0L;
    for (int i = 0; i < skip; i++) {
      if (src.get(off + i) != (byte) fill) {
        throw new CorruptParquetException(
            context, "decimal value of " + len + " bytes does not fit in 128 bits");
      }
    }
    long hi = fill;
    long lo = fill;
    for (int i = skip; i < len; i++) {
      hi = (hi << 8) | (lo >>> 56);
      lo = (lo << 8) | (src.get(off + i) & 0xffL);
    }
    long at = (long) index * 16;
    out.setLong(at, lo);
    out.setLong(at + 8, hi);
  }
}
