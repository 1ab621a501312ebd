package io.homi.runtime.parquet;

import org.apache.arrow.vector.types.DateUnit;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.TimeUnit;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.parquet.format.SchemaElement;
import org.apache.parquet.format.Type;

/**
 * Physical type + annotation -> how to decode and the Arrow type, exactly as Spark 4.1's
 * ParquetToSparkSchemaConverter maps them with default settings (checked against Spark in TypesIT).
 * Where Spark refuses a type, this refuses it with Spark's reason, never reads it.
 */
final class TypeMapping {
  /** Spark's DecimalType.MAX_PRECISION. */
  static final int MAX_PRECISION = 38;

  private static final ArrowType TIMESTAMP_UTC =
      new ArrowType.Timestamp(TimeUnit.MICROSECOND, "UTC");
  private static final ArrowType TIMESTAMP_NTZ =
      new ArrowType.Timestamp(TimeUnit.MICROSECOND, null);

  record Leaf(ValueKind kind, ArrowType arrowType) {}

  private TypeMapping() {}

  static Leaf map(SchemaElement e, String file) throws UnsupportedParquetException {
    Type t = e.getType();
    Annotation a = Annotation.of(e, file);
    String where = "column '" + e.getName() + "': ";
    // Spark: UnknownLogicalTypeAnnotation (the Null logical type) reads as NullType, any physical
    // type.
    if (a.name() == Annotation.Name.UNKNOWN) return leaf(ValueKind.NULL, new ArrowType.Null());
    switch (t) {
      case BOOLEAN:
        if (a.name() == Annotation.Name.NONE) return leaf(ValueKind.BOOLEAN, new ArrowType.Bool());
        break;
      case INT32:
        switch (a.name()) {
          case NONE:
            return leaf(ValueKind.INT32, new ArrowType.Int(32, true));
          case DATE:
            return leaf(ValueKind.DATE, new ArrowType.Date(DateUnit.DAY));
          case DECIMAL:
            return decimal(ValueKind.DECIMAL_INT32, a, 9, e, file);
          case INTEGER:
            if (a.signed()) {
              if (a.bitWidth() == 8) return leaf(ValueKind.INT8, new ArrowType.Int(8, true));
              if (a.bitWidth() == 16) return leaf(ValueKind.INT16, new ArrowType.Int(16, true));
              if (a.bitWidth() == 32) return leaf(ValueKind.INT32, new ArrowType.Int(32, true));
            } else {
              if (a.bitWidth() == 8) return leaf(ValueKind.UINT8, new ArrowType.Int(16, true));
              if (a.bitWidth() == 16) return leaf(ValueKind.UINT16, new ArrowType.Int(32, true));
              if (a.bitWidth() == 32) return leaf(ValueKind.UINT32, new ArrowType.Int(64, true));
            }
            break;
          case TIME:
            if ("MILLIS".equals(a.unit())) break; // Spark: illegal type
            throw refused(
                where + "the data type TIME is not supported (Spark 4.1: UNSUPPORTED_TIME_TYPE)",
                file);
          default:
            break;
        }
        break;
      case INT64:
        switch (a.name()) {
          case NONE:
            return leaf(ValueKind.INT64, new ArrowType.Int(64, true));
          case DECIMAL:
            return decimal(ValueKind.DECIMAL_INT64, a, 18, e, file);
          case INTEGER:
            if (a.bitWidth() == 64) {
              return a.signed()
                  ? leaf(ValueKind.INT64, new ArrowType.Int(64, true))
                  : leaf(ValueKind.UINT64, new ArrowType.Decimal(20, 0, 128));
            }
            break;
          case TIMESTAMP:
            // NANOS: Spark refuses unless spark.sql.legacy.parquet.nanosAsLong (off by default).
            ArrowType ts = a.utc() ? TIMESTAMP_UTC : TIMESTAMP_NTZ;
            if ("MILLIS".equals(a.unit())) return leaf(ValueKind.TIMESTAMP_MILLIS, ts);
            if ("MICROS".equals(a.unit())) return leaf(ValueKind.TIMESTAMP_MICROS, ts);
            break;
          case TIME:
            if ("MICROS".equals(a.unit())) {
              throw refused(
                  where + "the data type TIME is not supported (Spark 4.1: UNSUPPORTED_TIME_TYPE)",
                  file);
            }
            break;
          default:
            break;
        }
        break;
      case INT96:
        // spark.sql.parquet.int96AsTimestamp (default true); rebase mode CORRECTED by default in
        // 4.x.
        if (a.name() == Annotation.Name.NONE) return leaf(ValueKind.INT96, TIMESTAMP_UTC);
        break;
      case FLOAT:
        if (a.name() == Annotation.Name.NONE)
          return leaf(ValueKind.FLOAT, new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE));
        break;
      case DOUBLE:
        if (a.name() == Annotation.Name.NONE)
          return leaf(ValueKind.DOUBLE, new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE));
        break;
      case BYTE_ARRAY:
        switch (a.name()) {
          case STRING, ENUM, JSON:
            return leaf(ValueKind.STRING, new ArrowType.Utf8());
          case NONE, BSON:
            return leaf(ValueKind.BINARY, new ArrowType.Binary());
          case DECIMAL:
            return decimal(ValueKind.DECIMAL_BINARY, a, -1, e, file);
          default:
            break;
        }
        break;
      case FIXED_LEN_BYTE_ARRAY:
        if (!e.isSetType_length() || e.getType_length() < 0) {
          throw new UnsupportedParquetException(
              where + "FIXED_LEN_BYTE_ARRAY without a valid type length", file);
        }
        switch (a.name()) {
          case NONE:
            return leaf(ValueKind.FIXED_BINARY, new ArrowType.Binary());
          case DECIMAL:
            return decimal(
                ValueKind.FIXED_DECIMAL, a, maxPrecisionForBytes(e.getType_length()), e, file);
          case INTERVAL:
            throw refused(
                where + "Parquet type not yet supported: FIXED_LEN_BYTE_ARRAY (INTERVAL)", file);
          default:
            break;
        }
        break;
      default:
        break;
    }
    String shown = a.name() == Annotation.Name.NONE ? t.toString() : t + " (" + a + ")";
    throw refused(where + "Illegal Parquet type: " + shown, file);
  }

  private static Leaf leaf(ValueKind k, ArrowType t) {
    return new Leaf(k, t);
  }

  private static Leaf decimal(
      ValueKind k, Annotation a, int maxPrecision, SchemaElement e, String file)
      throws UnsupportedParquetException {
    int p = a.precision();
    int s = a.scale();
    if (maxPrecision != -1 && (p < 1 || p > maxPrecision)) {
      throw refused(
          "column '"
              + e.getName()
              + "': Invalid decimal precision: "
              + e.getType()
              + " cannot store "
              + p
              + " digits (max "
              + maxPrecision
              + ")",
          file);
    }
    if (p < 1 || p > MAX_PRECISION || s < 0 || s > p) {
      throw refused(
          "column '"
              + e.getName()
              + "': decimal precision "
              + p
              + " and scale "
              + s
              + " outside Spark's DecimalType (max precision "
              + MAX_PRECISION
              + ")",
          file);
    }
    return new Leaf(k, new ArrowType.Decimal(p, s, 128));
  }

  /** Spark's Decimal.maxPrecisionForBytes: digits a signed n-byte integer always holds. */
  static int maxPrecisionForBytes(int n) {
    if (n <= 0) return 0;
    return (int) Math.floor(Math.log10(Math.pow(2, 8.0 * n - 1) - 1));
  }

  private static UnsupportedParquetException refused(String what, String file) {
    return new UnsupportedParquetException(what + " (Spark's Parquet reader refuses it too)", file);
  }
}
