package io.homi.runtime.gpu.decode;

import io.homi.runtime.parquet.ValueKind;

/**
 * How {@code homi_dec_fixed} turns a stored fixed-width value into the Arrow value the CPU decoder
 * produces for the same kind ({@code io.homi.runtime.parquet.FixedWriter}): the Arrow width per row
 * and the conversion ({@code homi_dec::Conv} in native/src/cuda/decode_common.cuh).
 */
final class FixedConversion {
  static final int NONE = 0, DEC128 = 1, MILLIS = 2, ZEXT = 3, UDEC128 = 4, BEDEC = 5, INT96 = 6;

  private FixedConversion() {}

  /** Arrow bytes per row (booleans: one byte per row before the kernel packs them). */
  static int outWidth(ValueKind kind) {
    return switch (kind) {
      case BOOLEAN, INT8 -> 1;
      case INT16, UINT8 -> 2;
      case INT32, UINT16, DATE, FLOAT -> 4;
      case INT64, UINT32, DOUBLE, TIMESTAMP_MILLIS, TIMESTAMP_MICROS, INT96 -> 8;
      case DECIMAL_INT32, DECIMAL_INT64, UINT64, FIXED_DECIMAL -> 16; // Decimal128
      default ->
          throw new IllegalArgumentException(
              kind + " is not decoded on the GPU (PageTable.GPU_KINDS)");
    };
  }

  static int conv(ValueKind kind) {
    return switch (kind) {
      case DECIMAL_INT32, DECIMAL_INT64 -> DEC128;
      case UINT64 -> UDEC128;
      case FIXED_DECIMAL -> BEDEC;
      case UINT32 -> ZEXT;
      case TIMESTAMP_MILLIS -> MILLIS;
      case INT96 -> INT96; // 12 stored bytes -> microseconds (FixedWriter's Julian day arithmetic)
      default -> NONE;
    };
  }

  /** Stored bytes per PLAIN value: FIXED_LEN_BYTE_ARRAY decimals have the column's type length. */
  static int storedWidth(io.homi.runtime.parquet.ColumnDescriptor c) {
    return c.kind() == ValueKind.FIXED_DECIMAL
        ? c.typeLength()
        : Math.max(0, c.kind().plainWidth());
  }

  /** Bytes of the Arrow values buffer for {@code rows} rows. */
  static long valueBytes(ValueKind kind, long rows) {
    if (kind == ValueKind.BOOLEAN) return (rows + 7) / 8;
    if (kind.isByteArray()) throw new IllegalArgumentException("variable width");
    return rows * outWidth(kind);
  }
}
