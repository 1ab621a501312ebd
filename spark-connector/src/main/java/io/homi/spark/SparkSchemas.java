package io.homi.spark;

import io.homi.runtime.parquet.ColumnDescriptor;
import io.homi.runtime.parquet.ParquetSchema;
import io.homi.runtime.parquet.ValueKind;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/** Decoded column kinds to Spark types, as Spark's Parquet reader maps them; file sources are nullable. */
final class SparkSchemas {
  private SparkSchemas() {}

  static StructType toSpark(ParquetSchema schema) {
    List<StructField> fields = new ArrayList<>();
    for (ColumnDescriptor c : schema.columns()) fields.add(DataTypes.createStructField(c.name(), toSpark(c.kind()), true));
    return DataTypes.createStructType(fields);
  }

  static DataType toSpark(ValueKind k) {
    return switch (k) {
      case BOOLEAN -> DataTypes.BooleanType;
      case INT8 -> DataTypes.ByteType;
      case INT16 -> DataTypes.ShortType;
      case INT32 -> DataTypes.IntegerType;
      case INT64 -> DataTypes.LongType;
      case FLOAT -> DataTypes.FloatType;
      case DOUBLE -> DataTypes.DoubleType;
      case DATE -> DataTypes.DateType;
      case STRING -> DataTypes.StringType;
      case BINARY -> DataTypes.BinaryType;
    };
  }
}
