package io.homi.runtime.gpu.decode;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.apache.arrow.vector.BaseFixedWidthVector;
import org.apache.arrow.vector.BaseVariableWidthVector;
import org.apache.arrow.vector.BitVector;
import org.apache.arrow.vector.FieldVector;

/**
 * An order-sensitive checksum of one column's values, computed the same way from homi's Arrow
 * vectors and from cuDF's host columns, so the anchor run can say the two readers produced the same
 * data without keeping both copies. Each row adds {@code mix(row, value)} to a 64-bit sum (a null
 * row adds a null mark): fixed-width values as a little-endian two's-complement integer
 * sign-extended to 128 bits, so a Decimal128 of homi equals cuDF's DECIMAL32/64/128 of the same
 * unscaled value, an INT32 date equals TIMESTAMP_DAYS, a double its FLOAT64 bits; booleans as 0/1
 * (Arrow packs bits, cuDF BOOL8 a byte); byte arrays as FNV-1a of their bytes plus the length.
 * Unsigned columns wider on one side than the other (homi widens UINT32 to INT64, cuDF keeps
 * UINT32) differ above 2^31 by construction: the table names the types of both.
 */
public final class Checksum {
  /** One column's type (as its reader names it), null count and checksum (null = not computed). */
  public record Column(String type, long nulls, Long value) {}

  private long sum;

  static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }

  void addNull(long row) {
    sum += mix(row * 0x9e3779b97f4a7c15L + 0x5bd1e995L);
  }

  void add(long row, long lo, long hi) {
    sum += mix(mix(row + 0x632be59bd9b4e019L) ^ lo) + mix(hi ^ row * 0x9e3779b97f4a7c15L);
  }

  /** A little-endian value of {@code width} (1, 2, 4, 8 or 16) bytes at {@code off}. */
  void addFixed(long row, ByteBuffer d, int off, int width) {
    long lo =
        switch (width) {
          case 1 -> d.get(off);
          case 2 -> d.getShort(off);
          case 4 -> d.getInt(off);
          default -> d.getLong(off);
        };
    long hi = width == 16 ? d.getLong(off + 8) : lo >> 63;
    add(row, lo, hi);
  }

  void addBytes(long row, ByteBuffer d, int off, int len) {
    long h = 0xcbf29ce484222325L;
    for (int k = 0; k < len; k++) h = (h ^ (d.get(off + k) & 0xff)) * 0x100000001b3L;
    add(row, h, len);
  }

  long value() {
    return sum;
  }

  /**
   * The checksum of a column given as cuDF lays it out on the host (Arrow's layout but for
   * booleans, a byte each): {@code typeId} a {@code DType.DTypeEnum} name, {@code width} its size
   * in bytes, the LSB-first validity bitmap (null: no nulls), int32 offsets (STRING; cuDF uses
   * int64 offsets only above 2 GiB of characters, which {@link CudfReader} does not checksum) and
   * the data. Null for kinds it does not cover (lists, structs).
   */
  static Long ofBuffers(
      String typeId, int width, long rows, byte[] validity, byte[] offsets, byte[] data) {
    Checksum c = new Checksum();
    if (rows > Integer.MAX_VALUE) return null;
    ByteBuffer d =
        ByteBuffer.wrap(data == null ? new byte[0] : data).order(ByteOrder.LITTLE_ENDIAN);
    switch (typeId) {
      case "STRING" -> {
        ByteBuffer o =
            ByteBuffer.wrap(offsets == null ? new byte[4] : offsets).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < rows; i++) {
          if (!valid(validity, i)) {
            c.addNull(i);
            continue;
          }
          int s = o.getInt(i * 4);
          c.addBytes(i, d, s, o.getInt(i * 4 + 4) - s);
        }
      }
      case "BOOL8" -> {
        for (int i = 0; i < rows; i++) {
          if (valid(validity, i)) c.add(i, d.get(i) != 0 ? 1 : 0, 0);
          else c.addNull(i);
        }
      }
      case "LIST", "STRUCT", "EMPTY" -> {
        return null;
      }
      default -> {
        if (width <= 0 || width > 16 || Integer.bitCount(width) != 1) return null;
        for (int i = 0; i < rows; i++) {
          if (valid(validity, i)) c.addFixed(i, d, i * width, width);
          else c.addNull(i);
        }
      }
    }
    return c.value();
  }

  private static boolean valid(byte[] validity, int i) {
    return validity == null || (validity[i >>> 3] >> (i & 7) & 1) != 0;
  }

  /**
   * The checksum of an Arrow vector (homi's output copied to host), or a null value for other
   * kinds.
   */
  public static Column of(FieldVector v) {
    String type = v.getField().getType().toString();
    long nulls = v.getNullCount();
    int rows = v.getValueCount();
    Checksum c = new Checksum();
    if (v instanceof BitVector b) {
      for (int i = 0; i < rows; i++) {
        if (b.isNull(i)) c.addNull(i);
        else c.add(i, b.get(i), 0);
      }
    } else if (v instanceof BaseFixedWidthVector f) {
      int width = f.getTypeWidth();
      if (width <= 0 || width > 16 || Integer.bitCount(width) != 1)
        return new Column(type, nulls, null);
      ByteBuffer d =
          rows == 0
              ? ByteBuffer.allocate(0)
              : f.getDataBuffer()
                  .nioBuffer(0, Math.multiplyExact(rows, width))
                  .order(ByteOrder.LITTLE_ENDIAN);
      for (int i = 0; i < rows; i++) {
        if (f.isNull(i)) c.addNull(i);
        else c.addFixed(i, d, i * width, width);
      }
    } else if (v instanceof BaseVariableWidthVector w) {
      ByteBuffer o =
          rows == 0
              ? ByteBuffer.allocate(4)
              : w.getOffsetBuffer().nioBuffer(0, (rows + 1) * 4).order(ByteOrder.LITTLE_ENDIAN);
      int end = o.getInt(rows * 4);
      ByteBuffer d = end == 0 ? ByteBuffer.allocate(0) : w.getDataBuffer().nioBuffer(0, end);
      for (int i = 0; i < rows; i++) {
        if (w.isNull(i)) {
          c.addNull(i);
          continue;
        }
        int s = o.getInt(i * 4);
        c.addBytes(i, d, s, o.getInt(i * 4 + 4) - s);
      }
    } else {
      return new Column(type, nulls, null);
    }
    return new Column(type, nulls, c.value());
  }
}
