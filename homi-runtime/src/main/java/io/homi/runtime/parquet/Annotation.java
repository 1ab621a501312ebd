package io.homi.runtime.parquet;

import java.util.Locale;
import org.apache.parquet.format.ConvertedType;
import org.apache.parquet.format.LogicalType;
import org.apache.parquet.format.SchemaElement;
import org.apache.parquet.format.TimeUnit;

/**
 * A leaf's type annotation, normalized the way parquet-java does it: the LogicalType when the
 * footer has one, else the legacy ConvertedType translated (TIMESTAMP_MILLIS is MILLIS adjusted to
 * UTC, UINT_8 is INT(8, unsigned), ...). Spark's reader decides on this normalized view.
 */
record Annotation(
    Name name, int bitWidth, boolean signed, String unit, boolean utc, int precision, int scale) {
  enum Name {
    NONE,
    STRING,
    ENUM,
    JSON,
    BSON,
    UUID,
    FLOAT16,
    DATE,
    DECIMAL,
    TIME,
    TIMESTAMP,
    INTEGER,
    INTERVAL,
    UNKNOWN,
    OTHER
  }

  /**
   * The annotation; a LogicalType this Thrift version does not know (a newer writer's) is refused,
   * as parquet-java does.
   */
  static Annotation of(SchemaElement e, String file) throws UnsupportedParquetException {
    if (e.isSetLogicalType()) {
      if (e.getLogicalType().getSetField() == null) {
        throw new UnsupportedParquetException(
            "column '" + e.getName() + "' has a logical type unknown to this reader", file);
      }
      // parquet-java: a converted type that disagrees with the logical type wins; UNKNOWN has no
      // converted type of its own (INTERVAL columns carry UNKNOWN + INTERVAL).
      if (!(e.getLogicalType().isSetUNKNOWN() && e.isSetConverted_type()))
        return ofLogical(e, e.getLogicalType());
    }
    if (!e.isSetConverted_type()) return simple(Name.NONE);
    ConvertedType ct = e.getConverted_type();
    return switch (ct) {
      case UTF8 -> simple(Name.STRING);
      case ENUM -> simple(Name.ENUM);
      case JSON -> simple(Name.JSON);
      case BSON -> simple(Name.BSON);
      case DATE -> simple(Name.DATE);
      case DECIMAL ->
          new Annotation(Name.DECIMAL, 0, true, null, false, e.getPrecision(), e.getScale());
      case TIME_MILLIS -> new Annotation(Name.TIME, 0, true, "MILLIS", true, 0, 0);
      case TIME_MICROS -> new Annotation(Name.TIME, 0, true, "MICROS", true, 0, 0);
      case TIMESTAMP_MILLIS -> new Annotation(Name.TIMESTAMP, 0, true, "MILLIS", true, 0, 0);
      case TIMESTAMP_MICROS -> new Annotation(Name.TIMESTAMP, 0, true, "MICROS", true, 0, 0);
      case INT_8 -> integer(8, true);
      case INT_16 -> integer(16, true);
      case INT_32 -> integer(32, true);
      case INT_64 -> integer(64, true);
      case UINT_8 -> integer(8, false);
      case UINT_16 -> integer(16, false);
      case UINT_32 -> integer(32, false);
      case UINT_64 -> integer(64, false);
      case INTERVAL -> simple(Name.INTERVAL);
      default -> simple(Name.OTHER);
    };
  }

  private static Annotation ofLogical(SchemaElement e, LogicalType lt) {
    if (lt.isSetSTRING()) return simple(Name.STRING);
    if (lt.isSetENUM()) return simple(Name.ENUM);
    if (lt.isSetJSON()) return simple(Name.JSON);
    if (lt.isSetBSON()) return simple(Name.BSON);
    if (lt.isSetUUID()) return simple(Name.UUID);
    if (lt.isSetFLOAT16()) return simple(Name.FLOAT16);
    if (lt.isSetDATE()) return simple(Name.DATE);
    if (lt.isSetDECIMAL()) {
      return new Annotation(
          Name.DECIMAL,
          0,
          true,
          null,
          false,
          lt.getDECIMAL().getPrecision(),
          lt.getDECIMAL().getScale());
    }
    if (lt.isSetTIME())
      return new Annotation(
          Name.TIME, 0, true, unit(lt.getTIME().getUnit()), lt.getTIME().isIsAdjustedToUTC(), 0, 0);
    if (lt.isSetTIMESTAMP()) {
      return new Annotation(
          Name.TIMESTAMP,
          0,
          true,
          unit(lt.getTIMESTAMP().getUnit()),
          lt.getTIMESTAMP().isIsAdjustedToUTC(),
          0,
          0);
    }
    if (lt.isSetINTEGER())
      return integer(lt.getINTEGER().getBitWidth(), lt.getINTEGER().isIsSigned());
    if (lt.isSetUNKNOWN()) return simple(Name.UNKNOWN);
    return simple(Name.OTHER);
  }

  private static String unit(TimeUnit u) {
    if (u == null || u.getSetField() == null) return "?";
    return u.getSetField().getFieldName().toUpperCase(Locale.ROOT);
  }

  private static Annotation simple(Name n) {
    return new Annotation(n, 0, true, null, false, 0, 0);
  }

  private static Annotation integer(int bits, boolean signed) {
    return new Annotation(Name.INTEGER, bits, signed, null, false, 0, 0);
  }

  /** As parquet-java prints it, e.g. TIMESTAMP(NANOS,true), INTEGER(8,false), DECIMAL(9,2). */
  @Override
  public String toString() {
    return switch (name) {
      case TIME, TIMESTAMP -> name + "(" + unit + "," + utc + ")";
      case INTEGER -> "INTEGER(" + bitWidth + "," + signed + ")";
      case DECIMAL -> "DECIMAL(" + precision + "," + scale + ")";
      default -> name.toString();
    };
  }
}
