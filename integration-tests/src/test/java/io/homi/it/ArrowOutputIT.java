package io.homi.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.homi.runtime.HomiRuntime;
import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.ReferenceManager;
import org.apache.arrow.vector.ValueVector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.execution.SparkPlan;
import org.apache.spark.sql.types.BooleanType$;
import org.apache.spark.sql.types.ByteType$;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.DateType$;
import org.apache.spark.sql.types.DoubleType$;
import org.apache.spark.sql.types.FloatType$;
import org.apache.spark.sql.types.IntegerType$;
import org.apache.spark.sql.types.LongType$;
import org.apache.spark.sql.types.ShortType$;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.types.TimestampType$;
import org.apache.spark.sql.vectorized.ArrowColumnVector;
import org.apache.spark.sql.vectorized.ColumnVector;
import org.apache.spark.sql.vectorized.ColumnarBatch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code homi.output=arrow}, the output RAPIDS' {@code HostColumnarToGpu} copies in bulk, without a
 * GPU: a consumer that behaves like RAPIDS' {@code GpuArrowColumnarBatchBuilder} (takes each
 * column's ValueVector out of Spark's ArrowColumnVector by reflection, retains the reference
 * managers of its data, validity and offset buffers, keeps their nio views, and reads them only
 * after the scan has gone on for many more batches, then releases them) gets exactly the rows of
 * {@code format("parquet")}, for every type in RAPIDS' Arrow list, nulls, dictionary-encoded
 * strings, partition columns and a column the files lack. Every column of every batch is an
 * ArrowColumnVector; the Arrow output allocator is back to zero once the consumers released their
 * references, and a consumer that keeps nothing sees at most about one batch per task held.
 */
@Timeout(600)
class ArrowOutputIT extends SparkTestBase {
  private static final int BATCH_ROWS = 1000;
  private static final long ROWS = 120_000;
  private static Path dir;
  private static StructType withMissing; // the files' schema plus a column none of them has

  @BeforeAll
  static void data() throws IOException {
    dir = freshDir("arrow-output");
    // Every type of RAPIDS' Arrow list, nulls in most, low-cardinality strings (dictionary pages),
    // unique strings (plain), an int and a string partition column, small row groups.
    spark
        .range(0, ROWS, 1, 3)
        .selectExpr(
            "id",
            "IF(id % 7 = 0, NULL, CAST(id % 1000 AS INT)) AS i",
            "CAST(id % 100 AS TINYINT) AS i8",
            "IF(id % 9 = 0, NULL, CAST(id % 3000 AS SMALLINT)) AS i16",
            "IF(id % 5 = 0, NULL, CAST(id AS FLOAT) / 7) AS f",
            "CAST(id AS DOUBLE) / 3 AS d",
            "IF(id % 4 = 0, NULL, id % 3 = 0) AS b",
            "IF(id % 11 = 0, NULL, concat('cat-', CAST(id % 17 AS STRING))) AS s",
            "concat('unique-', CAST(id AS STRING), repeat('x', CAST(id % 13 AS INT))) AS u",
            "IF(id % 6 = 0, NULL, date_add(DATE'2020-01-01', CAST(id % 400 AS INT))) AS dt",
            "timestamp_micros(id * 1000003) AS ts",
            "CAST(id % 3 AS INT) AS part",
            "IF(id % 2 = 0, 'even', 'odd') AS tag")
        .write()
        .partitionBy("part", "tag")
        .option("parquet.block.size", 128 * 1024)
        .parquet(dir.toString());
    withMissing = spark.read().parquet(dir.toString()).schema().add("extra", DataTypes.LongType);
  }

  private static Dataset<Row> read(String format, String output) {
    var r = spark.read().format(format).schema(withMissing);
    if (output != null) r = r.option("homi.output", output).option("homi.batchRows", BATCH_ROWS);
    return r.load(dir.toString());
  }

  /**
   * The Arrow output allocator of this JVM (named homi-arrow-output), or null before any arrow
   * scan.
   */
  static BufferAllocator arrowAllocator() {
    for (BufferAllocator a : HomiRuntime.get().allocator().getChildAllocators()) {
      if (a.getName().equals("homi-arrow-output")) return a;
    }
    return null;
  }

  @Test
  void rapidsLikeConsumerRetainingBuffersGetsParquetsRows() throws Exception {
    Dataset<Row> homi = read("homi", "arrow");
    StructType schema = homi.schema();
    SparkPlan scan = homi.queryExecution().executedPlan().collectLeaves().head();
    assertThat(scan.nodeName()).contains("BatchScan");
    assertThat(scan.toString()).contains("output=arrow");
    Type[] types =
        Arrays.stream(schema.fields()).map(f -> Type.of(f.dataType())).toArray(Type[]::new);
    List<Object[]> perTask =
        scan.executeColumnar()
            .toJavaRDD()
            .mapPartitions(
                (Iterator<ColumnarBatch> it) -> {
                  List<Retained> kept = new ArrayList<>();
                  long batches = 0;
                  long notArrow = 0;
                  while (it.hasNext()) {
                    ColumnarBatch b = it.next();
                    batches++;
                    for (int c = 0; c < b.numCols(); c++) {
                      if (!(b.column(c) instanceof ArrowColumnVector)) notArrow++;
                      else kept.add(Retained.of(b.column(c), b.numRows()));
                    }
                  }
                  // Only now, many batches later, the values: as RAPIDS copies them once ~1 GiB has
                  // accumulated.
                  List<List<Object>> rows = new ArrayList<>();
                  int cols = types.length;
                  for (int k = 0; k < kept.size(); k += cols) {
                    int n = kept.get(k).rows;
                    for (int r = 0; r < n; r++) {
                      List<Object> row = new ArrayList<>(cols);
                      for (int c = 0; c < cols; c++) row.add(kept.get(k + c).value(types[c], r));
                      rows.add(row);
                    }
                  }
                  kept.forEach(Retained::release);
                  return List.<Object[]>of(new Object[] {batches, notArrow, rows}).iterator();
                })
            .collect();
    long batches = perTask.stream().mapToLong(t -> (Long) t[0]).sum();
    long notArrow = perTask.stream().mapToLong(t -> (Long) t[1]).sum();
    @SuppressWarnings("unchecked")
    List<List<Object>> actual =
        perTask.stream()
            .flatMap(t -> ((List<List<Object>>) t[2]).stream())
            .sorted(Comparator.comparingLong(r -> (Long) r.get(0)))
            .toList();
    assertThat(notArrow).as("columns that are not ArrowColumnVector").isZero();
    assertThat(batches)
        .as("batches (many per task: buffers kept across them)")
        .isGreaterThanOrEqualTo(ROWS / BATCH_ROWS);

    List<List<Object>> expected =
        ConformanceIT.canonical(
            read("parquet", null)
                .selectExpr(canonicalColumns(schema))
                .orderBy("id")
                .collectAsList());
    assertThat(actual).hasSize((int) ROWS).containsExactlyElementsOf(expected);
    assertThat(actual.stream().filter(r -> r.get(schema.fieldIndex("extra")) != null))
        .as("the missing column")
        .isEmpty();
    BufferAllocator a = arrowAllocator();
    assertThat(a.getAllocatedMemory())
        .as("Arrow output memory once the consumer released its references")
        .isZero();
  }

  @Test
  void everyTypeEqualsParquetAndEveryColumnIsArrow() throws IOException {
    Path nested = freshDir("arrow-output-types");
    // Types outside RAPIDS' Arrow list too (RAPIDS copies those value by value through the
    // ColumnVector API).
    spark
        .range(0, 20_000, 1, 2)
        .selectExpr(
            "id",
            "CAST(id AS DECIMAL(18, 2)) AS dec",
            "CAST(id AS DECIMAL(30, 5)) AS dec30",
            "encode(concat('b', CAST(id % 77 AS STRING)), 'UTF-8') AS bin",
            "CAST(timestamp_micros(id * 1000003) AS TIMESTAMP_NTZ) AS ntz",
            "named_struct('a', id, 'b', IF(id % 3 = 0, NULL, CAST(id AS STRING))) AS st",
            "IF(id % 4 = 0, NULL, array(id, id + 1)) AS arr",
            "map(CAST(id % 5 AS STRING), id) AS m",
            "CAST(id % 2 AS INT) AS part")
        .write()
        .partitionBy("part")
        .option("parquet.block.size", 64 * 1024)
        .parquet(nested.toString());
    Dataset<Row> homi =
        spark.read().format("homi").option("homi.output", "arrow").load(nested.toString());
    Dataset<Row> parquet = spark.read().format("parquet").load(nested.toString());
    assertThat(homi.schema()).isEqualTo(parquet.schema());
    assertThat(ConformanceIT.canonical(homi.orderBy("id").collectAsList()))
        .containsExactlyElementsOf(ConformanceIT.canonical(parquet.orderBy("id").collectAsList()));
    SparkPlan scan = homi.queryExecution().executedPlan().collectLeaves().head();
    List<String> classes =
        scan.executeColumnar()
            .toJavaRDD()
            .flatMap(
                (ColumnarBatch b) -> {
                  List<String> out = new ArrayList<>();
                  for (int c = 0; c < b.numCols(); c++)
                    out.add(b.column(c).getClass().getSimpleName());
                  return out.iterator();
                })
            .distinct()
            .collect();
    assertThat(classes).containsExactly("ArrowColumnVector");
  }

  @Test
  void memoryIsBoundedAndFreedWhenTheConsumerKeepsNothing() {
    Dataset<Row> homi = read("homi", "arrow");
    SparkPlan scan = homi.queryExecution().executedPlan().collectLeaves().head();
    // Per task: the largest Arrow output memory seen while a batch was alive, and that batch's own
    // size.
    List<long[]> perTask =
        scan.executeColumnar()
            .toJavaRDD()
            .mapPartitions(
                (Iterator<ColumnarBatch> it) -> {
                  long held = 0;
                  long batchBytes = 0;
                  long rows = 0;
                  while (it.hasNext()) {
                    ColumnarBatch b = it.next();
                    rows += b.numRows();
                    long bytes = 0;
                    for (int c = 0; c < b.numCols(); c++)
                      bytes += vector(b.column(c)).getBufferSize();
                    batchBytes = Math.max(batchBytes, bytes);
                    held = Math.max(held, arrowAllocator().getAllocatedMemory());
                  }
                  return List.of(new long[] {held, batchBytes, rows}).iterator();
                })
            .collect();
    long held = perTask.stream().mapToLong(t -> t[0]).max().orElseThrow();
    long batch = perTask.stream().mapToLong(t -> t[1]).max().orElseThrow();
    long rows = perTask.stream().mapToLong(t -> t[2]).sum();
    long total =
        ROWS * 60; // the data's size in Arrow form, roughly: what a leak or retention would reach
    System.out.printf(
        "arrow output: %d tasks, largest batch %,d bytes, Arrow output held at most %,d bytes (data ~%,d)%n",
        perTask.size(), batch, held, total);
    assertThat(rows).isEqualTo(ROWS);
    int tasksAtOnce = 2; // local[2]
    // One batch per running task, with Arrow's power-of-two rounding (and the constants'
    // templates).
    assertThat(held)
        .as("Arrow output memory held")
        .isPositive()
        .isLessThanOrEqualTo(tasksAtOnce * 4 * batch + (64 << 10))
        .isLessThan(total / 10);
    assertThat(arrowAllocator().getAllocatedMemory()).as("after the tasks").isZero();
  }

  @Test
  void optionValuesAndScanDescription() {
    assertThat(read("homi", "arrow").queryExecution().executedPlan().toString())
        .contains("output=arrow")
        .contains("batchRows=" + BATCH_ROWS);
    // Without homi.batchRows, arrow batches are large (RAPIDS coalesces them to 1 GiB anyway).
    assertThat(
            spark
                .read()
                .format("homi")
                .option("homi.output", "arrow")
                .load(dir.toString())
                .queryExecution()
                .executedPlan()
                .toString())
        .contains("batchRows=262144");
    assertThat(read("homi", "host").queryExecution().executedPlan().toString())
        .contains("output=host");
    Throwable t =
        org.assertj.core.api.Assertions.catchThrowable(() -> read("homi", "arrows").count());
    assertThat(messages(t))
        .contains("homi.output must be one of host, arrow, gpu, gpu-or-host: got 'arrows'");
  }

  /**
   * The parquet side in the consumer's canonical form: dates as epoch days, timestamps as epoch
   * micros.
   */
  private static String[] canonicalColumns(StructType schema) {
    return Arrays.stream(schema.fields())
        .map(
            f ->
                f.dataType() instanceof org.apache.spark.sql.types.DateType
                    ? "unix_date(" + f.name() + ") AS " + f.name()
                    : f.dataType() instanceof org.apache.spark.sql.types.TimestampType
                        ? "unix_micros(" + f.name() + ") AS " + f.name()
                        : f.name())
        .toArray(String[]::new);
  }

  /**
   * The Arrow vector inside Spark's ArrowColumnVector, by reflection: as RAPIDS' HostColumnarToGpu
   * gets it.
   */
  static ValueVector vector(ColumnVector cv) {
    try {
      Field accessor = ArrowColumnVector.class.getDeclaredField("accessor");
      accessor.setAccessible(true);
      Object a = accessor.get(cv);
      Class<?> c = a.getClass();
      while (c != null) {
        for (Field f : c.getDeclaredFields()) {
          if (f.getName().equals("vector")) {
            f.setAccessible(true);
            return (ValueVector) f.get(a);
          }
        }
        c = c.getSuperclass();
      }
      throw new IllegalStateException("no vector field in " + a.getClass());
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The flat types of RAPIDS' Arrow list, as this consumer decodes them from raw buffers. */
  enum Type {
    BOOLEAN,
    BYTE,
    SHORT,
    INT,
    LONG,
    FLOAT,
    DOUBLE,
    DATE,
    TIMESTAMP,
    STRING;

    static Type of(DataType t) {
      if (t == BooleanType$.MODULE$) return BOOLEAN;
      if (t == ByteType$.MODULE$) return BYTE;
      if (t == ShortType$.MODULE$) return SHORT;
      if (t == IntegerType$.MODULE$) return INT;
      if (t == LongType$.MODULE$) return LONG;
      if (t == FloatType$.MODULE$) return FLOAT;
      if (t == DoubleType$.MODULE$) return DOUBLE;
      if (t == DateType$.MODULE$) return DATE;
      if (t == TimestampType$.MODULE$) return TIMESTAMP;
      if (t instanceof StringType) return STRING;
      throw new IllegalArgumentException("not in RAPIDS' Arrow list: " + t);
    }
  }

  /**
   * One column of one batch as RAPIDS keeps it: the buffers' reference managers retained, their nio
   * views, the row and null counts; values read from the raw bytes only later.
   */
  record Retained(
      List<ReferenceManager> refs,
      ByteBuffer data,
      ByteBuffer validity,
      ByteBuffer offsets,
      int rows,
      int nulls) {
    static Retained of(ColumnVector cv, int rows) {
      ValueVector v = vector(cv);
      List<ReferenceManager> refs = new ArrayList<>();
      ByteBuffer data = keep(v.getDataBuffer(), refs);
      ByteBuffer validity = keep(v.getValidityBuffer(), refs);
      ByteBuffer offsets = null;
      try {
        offsets = keep(v.getOffsetBuffer(), refs);
      } catch (UnsupportedOperationException e) {
        // fixed-width vectors have no offsets
      }
      return new Retained(refs, data, validity, offsets, rows, v.getNullCount());
    }

    private static ByteBuffer keep(ArrowBuf b, List<ReferenceManager> refs) {
      refs.add(b.getReferenceManager());
      b.getReferenceManager().retain();
      return b.nioBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }

    void release() {
      refs.forEach(ReferenceManager::release);
    }

    Object value(Type t, int r) {
      if (nulls > 0 && (validity.get(r >>> 3) & (1 << (r & 7))) == 0) return null;
      return switch (t) {
        case BOOLEAN -> (data.get(r >>> 3) & (1 << (r & 7))) != 0;
        case BYTE -> data.get(r);
        case SHORT -> data.getShort(2 * r);
        case INT, DATE -> data.getInt(4 * r);
        case LONG, TIMESTAMP -> data.getLong(8 * r);
        case FLOAT -> data.getFloat(4 * r);
        case DOUBLE -> data.getDouble(8 * r);
        case STRING -> {
          int from = offsets.getInt(4 * r);
          int to = offsets.getInt(4 * r + 4);
          byte[] bytes = new byte[to - from];
          data.duplicate().position(from).get(bytes);
          yield new String(bytes, StandardCharsets.UTF_8);
        }
      };
    }
  }
}
