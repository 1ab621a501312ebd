package io.homi.spark;

import io.homi.runtime.parquet.ColumnDescriptor;
import io.homi.runtime.parquet.ParquetSchema;
import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.vector.types.TimeUnit;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Decoded columns' Arrow types to Spark types. The runtime already chose each Arrow type to be the
 * one Spark's Parquet reader gives (io.homi.runtime.parquet.TypeMapping), so this is the fixed
 * Arrow -> Spark correspondence that Spark's ArrowColumnVector reads; file sources are nullable.
 */
final class SparkSchemas {
  private SparkSchemas() {}

  static StructType toSpark(ParquetSchema schema) {
    List<StructField> fields = new ArrayList<>();
    for (ColumnDescriptor c : schema.columns())
      fields.add(DataTypes.createStructField(c.name(), toSpark(c.arrowField()), true));
    return DataTypes.createStructType(fields);
  }

  static DataType toSpark(Field f) {
    ArrowType t = f.getType();
    if (t instanceof ArrowType.Bool) return DataTypes.BooleanType;
    if (t instanceof ArrowType.Null) return DataTypes.NullType;
    if (t instanceof ArrowType.Int i) {
      return switch (i.getBitWidth()) {
        case 8 -> DataTypes.ByteType;
        case 16 -> DataTypes.ShortType;
        case 32 -> DataTypes.IntegerType;
        default -> DataTypes.LongType;
      };
    }
    if (t instanceof ArrowType.FloatingPoint fp) {
      return fp.getPrecision() == org.apache.arrow.vector.types.FloatingPointPrecision.SINGLE
          ? DataTypes.FloatType
          : DataTypes.DoubleType;
    }
    if (t instanceof ArrowType.Date) return DataTypes.DateType;
    if (t instanceof ArrowType.Decimal d)
      return DataTypes.createDecimalType(d.getPrecision(), d.getScale());
    if (t instanceof ArrowType.Timestamp ts && ts.getUnit() == TimeUnit.MICROSECOND) {
      return ts.getTimezone() == null ? DataTypes.TimestampNTZType : DataTypes.TimestampType;
    }
    if (t instanceof ArrowType.Utf8) return DataTypes.StringType;
    if (t instanceof ArrowType.Binary) return DataTypes.BinaryType;
    if (t instanceof ArrowType.Struct) {
      List<StructField> fields = new ArrayList<>();
      for (Field c : f.getChildren())
        fields.add(DataTypes.createStructField(c.getName(), toSpark(c), c.isNullable()));
      return DataTypes.createStructType(fields);
    }
    if (t instanceof ArrowType.List) {
      Field e = f.getChildren().get(0);
      return DataTypes.createArrayType(toSpark(e), e.isNullable());
    }
    if (t instanceof ArrowType.Map) {
      Field entries = f.getChildren().get(0);
      Field v = entries.getChildren().get(1);
      return DataTypes.createMapType(
          toSpark(entries.getChildren().get(0)), toSpark(v), v.isNullable());
    }
    throw new IllegalArgumentException(
        "no Spark type for Arrow type " + t + " of column '" + f.getName() + "'");
  }
}
