package io.homi.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.execution.FileSourceScanExec;
import org.apache.spark.sql.execution.SparkPlan;
import org.apache.spark.sql.execution.adaptive.AdaptiveSparkPlanExec;
import org.apache.spark.sql.execution.datasources.v2.BatchScanExec;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Nested column pruning: a query that uses some fields of a struct (also inside arrays and map
 * values) reads only those fields' column chunks. Every query is compared with Spark's own Parquet
 * reader on the same files, row for row, and the homi scan's read schema with the schema Spark's
 * reader asks its files for.
 */
@Timeout(300)
class NestedPruningIT extends SparkTestBase {
  private static final long ROWS = 30_000;
  private static Path sparkDir;

  @BeforeAll
  static void writeSparkFile() throws IOException {
    sparkDir = freshDir("nested-pruning");
    spark
        .range(0, ROWS, 1, 1)
        .selectExpr(
            "id",
            // a wide struct: a small int, a nested struct, and a large string that dominates its
            // bytes
            "CASE WHEN id % 11 = 0 THEN NULL ELSE named_struct("
                + "'a', CASE WHEN id % 3 = 0 THEN NULL ELSE CAST(id AS INT) END, "
                + "'b', CASE WHEN id % 7 = 0 THEN NULL ELSE named_struct('c', CASE WHEN id % 5 = 0 THEN NULL ELSE "
                + "  concat('c', CAST(id AS STRING)) END, 'd', CAST(id AS DOUBLE) / 4) END, "
                + "'wide', concat(sha2(CAST(id AS STRING), 512), sha2(CAST(id + 1 AS STRING), 512), sha2(CAST(id + 2 AS STRING), 512))"
                + ") END AS s",
            "CASE WHEN id % 9 = 0 THEN NULL ELSE transform(sequence(0, CAST(id % 4 AS INT) - 1), i -> "
                + "CASE WHEN (id + i) % 5 = 0 THEN NULL ELSE named_struct('x', CASE WHEN i = 1 THEN NULL ELSE CAST(id * i AS INT) END, "
                + "'y', sha2(CAST(id * 10 + i AS STRING), 256)) END) END AS arr",
            "CASE WHEN id % 8 = 0 THEN NULL WHEN id % 8 = 1 THEN map() ELSE map('k1', CASE WHEN id % 3 = 0 THEN NULL ELSE "
                + "named_struct('p', CASE WHEN id % 6 = 1 THEN NULL ELSE id % 100 END, 'q', sha2(CAST(id AS STRING), 256)) END, "
                + "'k2', named_struct('p', id, 'q', 'x')) END AS m")
        .coalesce(1)
        .write()
        .option("parquet.block.size", 1 << 20)
        .parquet(sparkDir.toString());
  }

  private static Dataset<Row> homi(Path dir) {
    return spark.read().format("homi").load(dir.toString());
  }

  private static Dataset<Row> parquet(Path dir) {
    return spark.read().parquet(dir.toString());
  }

  /** Same rows (ordered by the first column) and the same read schema as Spark's Parquet reader. */
  private static void assertSameAsParquet(Path dir, String where, String... cols) {
    Dataset<Row> want = (where == null ? parquet(dir) : parquet(dir).where(where)).selectExpr(cols);
    Dataset<Row> got = (where == null ? homi(dir) : homi(dir).where(where)).selectExpr(cols);
    String what = String.join(", ", cols) + (where == null ? "" : " where " + where);
    assertThat(got.orderBy(got.columns()[0]).collectAsList())
        .as(what)
        .containsExactlyElementsOf(want.orderBy(want.columns()[0]).collectAsList());
    assertThat(homiReadSchema(got)).as("read schema of " + what).isEqualTo(parquetReadSchema(want));
  }

  @Test
  void structFieldsEqualSpark() {
    assertSameAsParquet(sparkDir, null, "id", "s.a");
    assertSameAsParquet(sparkDir, null, "id", "s.b.c");
    assertSameAsParquet(sparkDir, null, "id", "s.b");
    assertSameAsParquet(sparkDir, null, "id", "s.a", "s.b.d");
    assertSameAsParquet(sparkDir, "s.a > 20000", "id", "s.b.c");
    assertSameAsParquet(sparkDir, "s.b.c IS NULL", "id", "s.a");
    assertSameAsParquet(sparkDir, "s IS NULL", "id", "s.a");
    assertThat(homiReadSchema(homi(sparkDir).selectExpr("s.b.c")).simpleString())
        .isEqualTo("struct<s:struct<b:struct<c:string>>>");
    String explain = homi(sparkDir).selectExpr("s.a").queryExecution().executedPlan().toString();
    assertThat(explain).contains("ReadSchema: struct<s:struct<a:int>>");
  }

  @Test
  void fieldNamesFollowSparkCaseSensitivity() {
    // spark.sql.caseSensitive=false (the default): Spark resolves S.B.C to s.b.c and asks for the
    // table's names.
    assertSameAsParquet(sparkDir, "S.A > 100", "ID", "S.B.C");
    spark.conf().set("spark.sql.caseSensitive", "true");
    try {
      assertSameAsParquet(sparkDir, null, "id", "s.b.c");
      assertThat(
              org.assertj.core.api.Assertions.catchThrowable(
                  () -> homi(sparkDir).selectExpr("s.B.c").collectAsList()))
          .as("a wrongly cased field with spark.sql.caseSensitive=true")
          .isNotNull();
    } finally {
      spark.conf().unset("spark.sql.caseSensitive");
    }
  }

  @Test
  void arrayAndMapFieldsEqualSpark() {
    assertSameAsParquet(sparkDir, null, "id", "transform(arr, e -> e.x) AS xs");
    assertSameAsParquet(sparkDir, null, "id", "arr.x");
    assertSameAsParquet(sparkDir, null, "id", "arr[0].x");
    assertSameAsParquet(sparkDir, "size(arr) > 1", "id", "arr[1].x");
    assertSameAsParquet(sparkDir, null, "id", "m['k1'].p");
    assertSameAsParquet(sparkDir, null, "id", "transform(map_values(m), v -> v.p) AS ps");
    assertSameAsParquet(sparkDir, null, "id", "m['k2'].p", "s.a", "arr.x");
    assertThat(homiReadSchema(homi(sparkDir).selectExpr("arr.x")).simpleString())
        .isEqualTo("struct<arr:array<struct<x:int>>>");
  }

  @Test
  void oneSmallFieldOfAWideStructReadsFarFewerBytes() {
    Dataset<Row> whole = homi(sparkDir).selectExpr("s");
    whole.collectAsList();
    Dataset<Row> small = homi(sparkDir).selectExpr("s.a");
    small.collectAsList();
    long wholeBytes = bytes(MetricsIT.scanMetrics(whole));
    long smallBytes = bytes(MetricsIT.scanMetrics(small));
    // s.a is a few hundred KB of ints; s.wide several MB of hashes.
    System.out.printf(
        "NestedPruningIT bytes read: s %d, s.a %d (%.1fx fewer)%n",
        wholeBytes, smallBytes, (double) wholeBytes / smallBytes);
    assertThat(smallBytes)
        .as("bytes of s.a vs bytes of s (%d)", wholeBytes)
        .isPositive()
        .isLessThan(wholeBytes / 10);
    assertThat(MetricsIT.scanMetrics(small).get("homiRowsDecoded")).isEqualTo(ROWS);
  }

  @Test
  void partitionedTableWithNestedPruning() throws IOException {
    Path dir = freshDir("nested-pruning-parts");
    spark
        .range(0, 3000, 1, 1)
        .selectExpr(
            "id",
            "id % 3 AS part",
            "CASE WHEN id % 4 = 0 THEN NULL ELSE named_struct('a', id, 'b', concat('b', CAST(id AS STRING))) END AS s")
        .write()
        .partitionBy("part")
        .parquet(dir.toString());
    assertSameAsParquet(dir, null, "id", "s.b", "part");
    // The partition filter is evaluated exactly by the homi scan (PartitionFilter), so Spark does
    // not ask it for `part` again; parquet's scan still returns it. Same rows, same nested pruning.
    Dataset<Row> want = parquet(dir).where("part = 1").selectExpr("id", "s.a");
    Dataset<Row> got = homi(dir).where("part = 1").selectExpr("id", "s.a");
    assertThat(got.orderBy("id").collectAsList())
        .containsExactlyElementsOf(want.orderBy("id").collectAsList());
    StructType parquetSchema = parquetReadSchema(want);
    assertThat(homiReadSchema(got))
        .isEqualTo(
            new StructType(
                java.util.Arrays.stream(parquetSchema.fields())
                    .filter(f -> !f.name().equals("part"))
                    .toArray(org.apache.spark.sql.types.StructField[]::new)));
  }

  @Test
  void parquetJavaWrittenStructsAndLegacyLists() throws IOException {
    MessageType type =
        MessageTypeParser.parseMessageType(
            "message m { required int32 id;"
                + " optional group s { optional int32 a; optional group b { optional binary c (UTF8); required double d; }"
                + " optional binary wide (UTF8); }"
                + " optional group ys (LIST) { repeated group y { required int32 a; optional binary b (UTF8); } } }");
    Path dir = Files.createDirectories(freshDir("nested-pruning-pj"));
    SimpleGroupFactory f = new SimpleGroupFactory(type);
    try (ParquetWriter<Group> w =
        ExampleParquetWriter.builder(
                new org.apache.hadoop.fs.Path(dir.resolve("part-0.parquet").toUri()))
            .withType(type)
            .withConf(new Configuration())
            .withRowGroupSize((long) 64 * 1024)
            .withPageSize(4096)
            .build()) {
      for (int i = 0; i < 20_000; i++) {
        Group g = f.newGroup().append("id", i);
        if (i % 7 != 0) {
          Group s = g.addGroup("s");
          if (i % 3 != 0) s.append("a", i);
          if (i % 5 != 0) {
            Group b = s.addGroup("b").append("d", i / 2.0);
            if (i % 2 == 0) b.append("c", "c" + i);
          }
          s.append("wide", "w".repeat(40) + i);
        }
        if (i % 4 != 0) {
          Group ys = g.addGroup("ys");
          for (int k = 0; k < i % 3; k++) {
            Group y = ys.addGroup("y").append("a", k + i);
            if (k % 2 == 0) y.append("b", "b" + i);
          }
        }
      }
    }
    assertSameAsParquet(dir, null, "id", "s.a");
    assertSameAsParquet(dir, null, "id", "s.b.c");
    assertSameAsParquet(dir, "s.b.d > 5000", "id", "s.a", "s.b.c");
    assertSameAsParquet(dir, null, "id", "ys.a");
    assertSameAsParquet(dir, null, "id", "ys[0].b");
  }

  @Test
  void aNestedFieldTheFileLacksIsAClearError() {
    // Spark's reader gives nulls for a struct field a file lacks; homi does not yet (a documented
    // gap).
    Dataset<Row> df =
        spark
            .read()
            .format("homi")
            .schema("id BIGINT, s STRUCT<a: INT, zz: STRING>")
            .load(sparkDir.toString())
            .selectExpr("id", "s.zz");
    assertThat(org.assertj.core.api.Assertions.catchThrowable(df::collectAsList))
        .isNotNull()
        .satisfies(
            t ->
                assertThat(messages(t))
                    .contains("nested field 's.zz' is requested")
                    .contains(".parquet"));
  }

  private static long bytes(Map<String, Long> m) {
    return m.get("homiBytesOs")
        + m.get("homiBytesDirect")
        + m.get("homiBytesDevice")
        + m.get("homiBytesGpu");
  }

  private static StructType homiReadSchema(Dataset<Row> df) {
    List<SparkPlan> scans = scans(df, BatchScanExec.class);
    assertThat(scans).as("one homi scan").hasSize(1);
    return ((BatchScanExec) scans.get(0)).scan().readSchema();
  }

  private static StructType parquetReadSchema(Dataset<Row> df) {
    List<SparkPlan> scans = scans(df, FileSourceScanExec.class);
    assertThat(scans).as("one parquet scan").hasSize(1);
    FileSourceScanExec s = (FileSourceScanExec) scans.get(0);
    // homi's read schema carries the partition columns the query uses; Spark's file scan keeps them
    // apart.
    StructType out = s.requiredSchema();
    for (org.apache.spark.sql.types.StructField p : s.relation().partitionSchema().fields()) {
      if (s.output().exists(a -> a.name().equals(p.name()))) out = out.add(p);
    }
    return out;
  }

  private static List<SparkPlan> scans(Dataset<Row> df, Class<?> kind) {
    SparkPlan plan = df.queryExecution().executedPlan();
    if (plan instanceof AdaptiveSparkPlanExec a) plan = a.executedPlan();
    return CollectionConverters.asJava(
        plan.collect(
            new scala.PartialFunction<SparkPlan, SparkPlan>() {
              @Override
              public boolean isDefinedAt(SparkPlan p) {
                return kind.isInstance(p);
              }

              @Override
              public SparkPlan apply(SparkPlan p) {
                return p;
              }
            }));
  }
}
