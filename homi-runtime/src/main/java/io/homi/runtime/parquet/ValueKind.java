package io.homi.runtime.parquet;

/**
 * How a leaf column's physical values become Arrow values: the conversion, not the Arrow type
 * itself (that is in {@link ColumnDescriptor#arrowType()}, e.g. a decimal's precision). Chosen to
 * give the Spark type Spark 4.1's own reader gives (see {@link TypeMapping}).
 */
public enum ValueKind {
  BOOLEAN(0),
  INT8(4),
  INT16(4),
  INT32(4),
  /** INT32 with INT(8, unsigned): Spark reads ShortType. */
  UINT8(4),
  /** INT32 with INT(16, unsigned): Spark reads IntegerType; the value fits as is. */
  UINT16(4),
  /** INT32 with INT(32, unsigned): Spark reads LongType, zero-extended. */
  UINT32(4),
  INT64(8),
  /** INT64 with INT(64, unsigned): Spark reads DecimalType(20, 0). */
  UINT64(8),
  FLOAT(4),
  DOUBLE(8),
  DATE(4),
  DECIMAL_INT32(4),
  DECIMAL_INT64(8),
  /** INT64 TIMESTAMP(MILLIS): Spark holds microseconds. */
  TIMESTAMP_MILLIS(8),
  TIMESTAMP_MICROS(8),
  /** Legacy INT96 timestamps (Julian day + nanos of day), Spark's writer's default. */
  INT96(12),
  /** FIXED_LEN_BYTE_ARRAY without annotation: BinaryType; width = the column's type length. */
  FIXED_BINARY(-2),
  /** FIXED_LEN_BYTE_ARRAY DECIMAL: big-endian two's complement of the column's type length. */
  FIXED_DECIMAL(-2),
  STRING(-1),
  BINARY(-1),
  /** BYTE_ARRAY DECIMAL: big-endian two's complement of any length. */
  DECIMAL_BINARY(-1),
  /** The Null (UNKNOWN) logical type: Spark's NullType; values are never decoded. */
  NULL(-3);

  private final int plainWidth;

  ValueKind(int plainWidth) {
    this.plainWidth = plainWidth;
  }

  /**
   * Bytes per PLAIN value: 0 for bit-packed booleans, -1 for byte arrays, -2 for the column's FLBA
   * length.
   */
  public int plainWidth() {
    return plainWidth;
  }

  /** Length-prefixed BYTE_ARRAY values. */
  public boolean isByteArray() {
    return plainWidth == -1;
  }

  /** True where the Arrow value has the page's width and bytes, so runs copy in bulk. */
  boolean copiesAsIs() {
    return switch (this) {
      case INT32, UINT16, INT64, FLOAT, DOUBLE, DATE, TIMESTAMP_MICROS -> true;
      default -> false;
    };
  }
}
