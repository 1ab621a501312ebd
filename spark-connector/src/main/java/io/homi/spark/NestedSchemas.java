package io.homi.spark;

import io.homi.runtime.parquet.ColumnDescriptor;
import io.homi.runtime.parquet.HomiParquetException;
import io.homi.runtime.parquet.NestedPruning;
import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.MapType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Nested schema pruning between Spark and the runtime. Spark (with
 * spark.sql.optimizer.nestedSchemaPruning.enabled, the default) asks for structs cut down to the
 * fields a query uses, also inside arrays and map values; the scan reports exactly that type and
 * the executor reads only those fields' leaves ({@link NestedPruning}).
 */
final class NestedSchemas {
  private NestedSchemas() {}

  /**
   * The type the scan reads for a requested column: the requested (pruned) type, except that a
   * struct asked for with no fields keeps its first field (down to one leaf), which the reader
   * needs to tell null structs from present ones.
   */
  static DataType readType(DataType requested, DataType full) {
    if (requested instanceof StructType rs && full instanceof StructType fs) {
      if (rs.fields().length == 0 && fs.fields().length > 0) {
        StructField first = fs.fields()[0];
        return new StructType(
            new StructField[] {
              first.copy(
                  first.name(), firstLeafOnly(first.dataType()), first.nullable(), first.metadata())
            });
      }
      StructField[] out = rs.fields().clone();
      for (int i = 0; i < out.length; i++) {
        StructField f = out[i];
        int at =
            fs.getFieldIndex(f.name()).isDefined()
                ? (Integer) fs.getFieldIndex(f.name()).get()
                : -1;
        if (at >= 0)
          out[i] =
              f.copy(
                  f.name(),
                  readType(f.dataType(), fs.fields()[at].dataType()),
                  f.nullable(),
                  f.metadata());
      }
      return new StructType(out);
    }
    if (requested instanceof ArrayType ra && full instanceof ArrayType fa) {
      return new ArrayType(readType(ra.elementType(), fa.elementType()), ra.containsNull());
    }
    if (requested instanceof MapType rm && full instanceof MapType fm) {
      return new MapType(
          rm.keyType(), readType(rm.valueType(), fm.valueType()), rm.valueContainsNull());
    }
    return requested;
  }

  private static DataType firstLeafOnly(DataType t) {
    if (t instanceof StructType s && s.fields().length > 0) {
      StructField first = s.fields()[0];
      return new StructType(
          new StructField[] {
            first.copy(
                first.name(), firstLeafOnly(first.dataType()), first.nullable(), first.metadata())
          });
    }
    if (t instanceof ArrayType a)
      return new ArrayType(firstLeafOnly(a.elementType()), a.containsNull());
    if (t instanceof MapType m)
      return new MapType(m.keyType(), firstLeafOnly(m.valueType()), m.valueContainsNull());
    return t;
  }

  /**
   * The file's column cut down to the requested type. The requested type must be a pruning of the
   * file's (same fields, some struct fields left out): anything else is an error naming the file
   * and both types.
   */
  static ColumnDescriptor prune(ColumnDescriptor column, StructField requested, String file)
      throws HomiParquetException {
    ColumnDescriptor pruned =
        NestedPruning.prune(column, shape(requested.name(), requested.dataType()), file);
    DataType got = SparkSchemas.toSpark(pruned.arrowField());
    if (!got.equals(requested.dataType())) {
      DataType fileType = SparkSchemas.toSpark(column.arrowField());
      throw new HomiParquetException(
          "column '"
              + requested.name()
              + "' is "
              + fileType.simpleString()
              + " in "
              + file
              + " but the table asks for "
              + requested.dataType().simpleString()
              + (got.equals(fileType)
                  ? ""
                  : " (pruned to the requested fields it reads as " + got.simpleString() + ")"));
    }
    return pruned;
  }

  /** The requested shape as the runtime takes it: Arrow struct/list/map nodes; leaves as Null. */
  static Field shape(String name, DataType t) {
    if (t instanceof StructType s) {
      List<Field> cs = new ArrayList<>();
      for (StructField f : s.fields()) cs.add(shape(f.name(), f.dataType()));
      return new Field(name, FieldType.nullable(new ArrowType.Struct()), cs);
    }
    if (t instanceof ArrayType a) {
      return new Field(
          name,
          FieldType.nullable(new ArrowType.List()),
          List.of(shape("element", a.elementType())));
    }
    if (t instanceof MapType m) {
      Field entries =
          new Field(
              "entries",
              FieldType.notNullable(new ArrowType.Struct()),
              List.of(shape("key", m.keyType()), shape("value", m.valueType())));
      return new Field(name, FieldType.nullable(new ArrowType.Map(false)), List.of(entries));
    }
    return new Field(name, FieldType.nullable(new ArrowType.Null()), null);
  }
}
