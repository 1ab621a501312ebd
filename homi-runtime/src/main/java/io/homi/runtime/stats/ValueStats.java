package io.homi.runtime.stats;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.apache.parquet.format.ColumnMetaData;
import org.apache.parquet.format.ConvertedType;
import org.apache.parquet.format.LogicalType;
import org.apache.parquet.format.SchemaElement;
import org.apache.parquet.format.Statistics;
import org.apache.parquet.format.TimeUnit;

/**
 * What statistics prove about a set of values (a column chunk's statistics, a page's ColumnIndex
 * entry, one dictionary entry, a partition directory's value), decoded into the literal domain of
 * {@link StatsPredicate}: min and max (either may be null when unknown or unusable), the null count
 * (-1 when unknown) and the value count. Only statistics whose sort order is certain are used:
 *
 * <ul>
 *   <li>{@code min_value/max_value} are preferred; the deprecated {@code min/max} are used only for
 *       signed-order physical types (old writers compared byte arrays as signed bytes);
 *   <li>byte arrays need the file's {@code column_orders} (TYPE_ORDER), which says the writer
 *       compared them unsigned, as Spark compares strings;
 *   <li>unsigned integers, INT96 and unknown timestamp units are not used at all;
 *   <li>truncated binary bounds stay valid bounds (a shortened min is still below every value, a
 *       writer rounds a shortened max up), so they are used as bounds but never as exact values.
 * </ul>
 */
public record ValueStats(Object min, Object max, long nullCount, long numValues, boolean exact) {

  /** Nothing known: never prunes. */
  public static ValueStats unknown(long numValues) {
    return new ValueStats(null, null, -1, numValues, false);
  }

  public boolean allNull() {
    return nullCount >= 0 && nullCount == numValues;
  }

  public boolean hasBounds() {
    return min != null && max != null;
  }

  /**
   * @param element the leaf's schema element (for logical type, scale, time unit)
   * @param typeDefinedOrder whether the footer declares TYPE_ORDER for this column
   */
  public static ValueStats of(ColumnMetaData md, SchemaElement element, boolean typeDefinedOrder) {
    long values = md.getNum_values();
    if (!md.isSetStatistics()) return unknown(values);
    Statistics s = md.getStatistics();
    long nulls = s.isSetNull_count() ? s.getNull_count() : -1;
    Decoder d = decoder(md, element);
    // Byte arrays (strings, binary, binary decimals) have had several orders over the years.
    boolean binaryPhysical =
        md.getType() == org.apache.parquet.format.Type.BYTE_ARRAY
            || md.getType() == org.apache.parquet.format.Type.FIXED_LEN_BYTE_ARRAY;
    if (d == null) return new ValueStats(null, null, nulls, values, false);
    byte[] lo;
    byte[] hi;
    boolean exact;
    if (s.isSetMin_value() && s.isSetMax_value() && (typeDefinedOrder || !binaryPhysical)) {
      lo = s.getMin_value();
      hi = s.getMax_value();
      exact =
          (!s.isSetIs_min_value_exact() || s.isIs_min_value_exact())
              && (!s.isSetIs_max_value_exact() || s.isIs_max_value_exact())
              && !d.isBytes();
      // Bytes are exact only when the writer says so; older writers never said.
      if (d.isBytes())
        exact =
            s.isSetIs_min_value_exact()
                && s.isIs_min_value_exact()
                && s.isSetIs_max_value_exact()
                && s.isIs_max_value_exact();
    } else if (s.isSetMin() && s.isSetMax() && !binaryPhysical) {
      lo = s.getMin();
      hi = s.getMax();
      exact = true;
    } else {
      return new ValueStats(null, null, nulls, values, false);
    }
    Object min = d.decode(lo);
    Object max = d.decode(hi);
    if (min == null || max == null || isNaN(min) || isNaN(max))
      return new ValueStats(null, null, nulls, values, false);
    return new ValueStats(min, max, nulls, values, exact);
  }

  /**
   * Page {@code page} of a ColumnIndex, by the same rules as a chunk's statistics: byte arrays only
   * under TYPE_ORDER, unusable types give no bounds. Page bounds may be truncated, so they are
   * never exact; a null page (every value null) proves only that; the page's null count is used
   * when the index has them. The page's value count is unknown, so only a null page is "all null".
   */
  public static ValueStats ofPage(
      org.apache.parquet.format.ColumnIndex ci,
      int page,
      ColumnMetaData md,
      SchemaElement element,
      boolean typeDefinedOrder) {
    long nulls =
        ci.isSetNull_counts() && page < ci.getNull_countsSize()
            ? ci.getNull_counts().get(page)
            : -1;
    if (ci.getNull_pages().get(page)) return new ValueStats(null, null, 1, 1, false);
    boolean binaryPhysical =
        md.getType() == org.apache.parquet.format.Type.BYTE_ARRAY
            || md.getType() == org.apache.parquet.format.Type.FIXED_LEN_BYTE_ARRAY;
    Decoder d = decoder(md, element);
    if (d == null || (binaryPhysical && !typeDefinedOrder))
      return new ValueStats(null, null, nulls, Long.MAX_VALUE, false);
    Object min = d.decode(bytes(ci.getMin_values().get(page)));
    Object max = d.decode(bytes(ci.getMax_values().get(page)));
    if (min == null || max == null || isNaN(min) || isNaN(max))
      return new ValueStats(null, null, nulls, Long.MAX_VALUE, false);
    return new ValueStats(min, max, nulls, Long.MAX_VALUE, false);
  }

  /**
   * One PLAIN-encoded value (a dictionary entry: fixed width, or a byte array without its length
   * prefix) in the literal domain, or null where the column's values have none (unsigned,
   * INT96...).
   */
  public static Object plainValue(byte[] raw, ColumnMetaData md, SchemaElement element) {
    Decoder d = decoder(md, element);
    return d == null ? null : d.decode(raw);
  }

  private static byte[] bytes(ByteBuffer b) {
    ByteBuffer d = b.duplicate();
    byte[] out = new byte[d.remaining()];
    d.get(out);
    return out;
  }

  private static boolean isNaN(Object o) {
    return o instanceof Double v && v.isNaN();
  }

  private interface Decoder {
    Object decode(byte[] b);

    default boolean isBytes() {
      return false;
    }
  }

  private static Decoder decoder(ColumnMetaData md, SchemaElement e) {
    LogicalType lt = e.isSetLogicalType() ? e.getLogicalType() : null;
    ConvertedType ct = e.isSetConverted_type() ? e.getConverted_type() : null;
    boolean unsigned =
        (lt != null && lt.isSetINTEGER() && !lt.getINTEGER().isIsSigned())
            || ct == ConvertedType.UINT_8
            || ct == ConvertedType.UINT_16
            || ct == ConvertedType.UINT_32
            || ct == ConvertedType.UINT_64;
    if (unsigned) return null;
    boolean decimal = (lt != null && lt.isSetDECIMAL()) || ct == ConvertedType.DECIMAL;
    int scale =
        lt != null && lt.isSetDECIMAL()
            ? lt.getDECIMAL().getScale()
            : e.isSetScale() ? e.getScale() : 0;
    switch (md.getType()) {
      case BOOLEAN:
        return b -> b.length >= 1 ? (Object) (b[0] != 0) : null;
      case INT32:
        if (decimal)
          return b ->
              b.length == 4 ? new BigDecimal(BigInteger.valueOf(le(b).getInt()), scale) : null;
        return b -> b.length == 4 ? (Object) (long) le(b).getInt() : null;
      case INT64:
        {
          if (decimal)
            return b ->
                b.length == 8 ? new BigDecimal(BigInteger.valueOf(le(b).getLong()), scale) : null;
          long toMicros = 1;
          if (lt != null && lt.isSetTIMESTAMP()) {
            TimeUnit u = lt.getTIMESTAMP().getUnit();
            if (u.isSetMILLIS()) toMicros = 1000;
            else if (!u.isSetMICROS())
              return null; // nanoseconds: Spark does not read them as timestamps
          } else if (ct == ConvertedType.TIMESTAMP_MILLIS) {
            toMicros = 1000;
          } else if (lt != null && (lt.isSetTIME() || lt.isSetUNKNOWN())) {
            return null;
          }
          long mult = toMicros;
          return b -> {
            if (b.length != 8) return null;
            long v = le(b).getLong();
            try {
              return Math.multiplyExact(v, mult);
            } catch (ArithmeticException overflow) {
              return null;
            }
          };
        }
      case FLOAT:
        return b -> b.length == 4 ? (Object) (double) le(b).getFloat() : null;
      case DOUBLE:
        return b -> b.length == 8 ? (Object) le(b).getDouble() : null;
      case BYTE_ARRAY:
      case FIXED_LEN_BYTE_ARRAY:
        if (decimal) return b -> b.length == 0 ? null : new BigDecimal(new BigInteger(b), scale);
        if (lt != null && (lt.isSetUUID() || lt.isSetFLOAT16())) return null;
        return new Decoder() {
          @Override
          public Object decode(byte[] b) {
            return b;
          }

          @Override
          public boolean isBytes() {
            return true;
          }
        };
      default:
        return null; // INT96 and anything newer
    }
  }

  private static ByteBuffer le(byte[] b) {
    return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
  }
}
