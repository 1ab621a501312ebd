package io.homi.spark;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.execution.arrow.ArrowWriter;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Decimal;
import org.apache.spark.sql.util.ArrowUtils;
import org.apache.spark.sql.vectorized.ArrowColumnVector;
import org.apache.spark.unsafe.types.UTF8String;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The constant columns of the Arrow output (partition values, columns a file lacks): {@code n}
 * copies of a value written by Spark's own ArrowWriter, read back through Spark's
 * ArrowColumnVector, for every partition column type and row counts around the validity bytes'
 * edges.
 */
class ArrowBatchOutputTest {
  private final BufferAllocator allocator = new RootAllocator();
  private static final int[] ROWS = {1, 7, 8, 9, 63, 64, 65, 1000, 4097};

  @AfterEach
  void close() {
    assertThat(allocator.getAllocatedMemory()).as("leaked").isZero();
    allocator.close();
  }

  private void check(DataType type, Object value) {
    Field f = ArrowUtils.toArrowField("c", type, true, "UTC", false);
    try (VectorSchemaRoot root = VectorSchemaRoot.create(new Schema(List.of(f)), allocator)) {
      FieldVector one = null;
      if (value != null) {
        ArrowWriter w = ArrowWriter.create(root);
        w.write(new GenericInternalRow(new Object[] {value}));
        w.finish();
        one = root.getVector(0);
      }
      for (int n : ROWS) {
        FieldVector v = f.createVector(allocator);
        ArrowBatchOutput.fill(v, one, n);
        try (ArrowColumnVector c = new ArrowColumnVector(v)) {
          assertThat(v.getValueCount()).isEqualTo(n);
          assertThat(c.numNulls()).as("%s x%d nulls", type, n).isEqualTo(value == null ? n : 0);
          for (int i = 0; i < n; i++) {
            if (value == null) {
              assertThat(c.isNullAt(i)).isTrue();
              continue;
            }
            Object got =
                switch (type.typeName()) {
                  case "boolean" -> c.getBoolean(i);
                  case "integer", "date" -> c.getInt(i);
                  case "long", "timestamp", "timestamp_ntz" -> c.getLong(i);
                  case "double" -> c.getDouble(i);
                  case "string" -> c.getUTF8String(i);
                  case "short" -> c.getShort(i);
                  case "byte" -> c.getByte(i);
                  default -> c.getDecimal(i, 18, 2);
                };
            assertThat(got).as("%s x%d row %d", type, n, i).isEqualTo(value);
          }
        }
      }
    }
  }

  @Test
  void constantsOfEveryPartitionType() {
    check(DataTypes.IntegerType, 42);
    check(DataTypes.LongType, -7L);
    check(DataTypes.ShortType, (short) 3);
    check(DataTypes.ByteType, (byte) -2);
    check(DataTypes.DoubleType, 2.5);
    check(DataTypes.BooleanType, true);
    check(DataTypes.BooleanType, false);
    check(DataTypes.DateType, 19000);
    check(DataTypes.TimestampType, 1_700_000_000_000_000L);
    check(DataTypes.TimestampNTZType, 1_700_000_000_000_001L);
    check(DataTypes.StringType, UTF8String.fromString("région=été"));
    check(DataTypes.StringType, UTF8String.fromString(""));
    check(DataTypes.createDecimalType(18, 2), Decimal.apply(new BigDecimal("12345.67")));
  }

  @Test
  void nullConstants() {
    check(DataTypes.IntegerType, null);
    check(DataTypes.StringType, null);
    check(DataTypes.createArrayType(DataTypes.LongType), null);
    check(
        DataTypes.createStructType(
            new org.apache.spark.sql.types.StructField[] {
              DataTypes.createStructField("a", DataTypes.LongType, true)
            }),
        null);
  }

  @Test
  void pluginListParsing() {
    assertThat(RapidsPlugin.listed("com.nvidia.spark.SQLPlugin")).isTrue();
    assertThat(RapidsPlugin.listed("a.B, com.nvidia.spark.SQLPlugin ,c.D")).isTrue();
    assertThat(RapidsPlugin.listed("com.nvidia.spark.SQLPluginX")).isFalse();
    assertThat(RapidsPlugin.listed("")).isFalse();
    assertThat(RapidsPlugin.listed(null)).isFalse();
  }
}
