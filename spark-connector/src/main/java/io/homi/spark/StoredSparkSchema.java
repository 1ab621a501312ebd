package io.homi.spark;

import io.homi.runtime.parquet.ColumnDescriptor;
import io.homi.runtime.parquet.CorruptParquetException;
import io.homi.runtime.parquet.ParquetFileReader;
import org.apache.parquet.format.KeyValue;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The Spark schema a Spark writer stores in the footer ({@value #KEY}) against the file's Parquet
 * types. Spark's reader takes the stored type and up-casts the Parquet values to it; homi reads the
 * Parquet type. Where the two disagree for a flat column (a footer edited or written wrong), homi
 * refuses the file naming the column, rather than return values of another type. Nested and
 * user-defined types are not compared (their stored form is not the Parquet shape).
 */
final class StoredSparkSchema {
  static final String KEY = "org.apache.spark.sql.parquet.row.metadata";

  private StoredSparkSchema() {}

  static void check(ParquetFileReader file) throws CorruptParquetException {
    if (file.metadata().getKey_value_metadata() == null) return;
    String json = null;
    for (KeyValue kv : file.metadata().getKey_value_metadata())
      if (KEY.equals(kv.getKey())) json = kv.getValue();
    if (json == null) return;
    DataType stored;
    try {
      stored = DataType.fromJson(json);
    } catch (Exception e) { // Jackson's parse errors are checked exceptions thrown through Scala
      return; // Spark itself falls back to the Parquet schema when the stored one does not parse
    }
    if (!(stored instanceof StructType st)) return;
    for (StructField f : st.fields()) {
      ColumnDescriptor c = file.schema().column(f.name());
      if (c == null || c.isNested() || !atomic(f.dataType())) continue;
      DataType parquet;
      try {
        parquet = SparkSchemas.toSpark(c.arrowField());
      } catch (IllegalArgumentException e) {
        continue;
      }
      if (parquet.equals(f.dataType())
          || (parquet instanceof StringType && f.dataType() instanceof StringType)) continue;
      throw new CorruptParquetException(
          file.path(),
          "column '"
              + c.name()
              + "' is stored as "
              + c.physicalType()
              + " ("
              + parquet.simpleString()
              + ") but the file's Spark schema says "
              + f.dataType().simpleString());
    }
  }

  private static boolean atomic(DataType t) {
    return !(t instanceof StructType
        || t instanceof org.apache.spark.sql.types.ArrayType
        || t instanceof org.apache.spark.sql.types.MapType
        || t instanceof org.apache.spark.sql.types.UserDefinedType<?>
        || t instanceof org.apache.spark.sql.types.VariantType$);
  }
}
