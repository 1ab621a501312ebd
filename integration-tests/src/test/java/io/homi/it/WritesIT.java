package io.homi.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Writes through format("homi") are Spark's own Parquet writes: every save mode, partitionBy,
 * writer options, saveAsTable and INSERT INTO give what format("parquet") gives, read back equal by
 * homi and by parquet.
 */
class WritesIT extends SparkTestBase {
  @AfterEach
  void drop() {
    spark.sql("DROP TABLE IF EXISTS wh");
    spark.sql("DROP TABLE IF EXISTS wp");
  }

  private static Dataset<Row> source(long from, long to) {
    return spark
        .range(from, to, 1, 2)
        .selectExpr("id", "CAST(id % 4 AS INT) AS k", "concat('s', CAST(id AS STRING)) AS s");
  }

  private static List<Row> sorted(Dataset<Row> df) {
    return df.orderBy("id").collectAsList();
  }

  /** Homi's and parquet's reads of a directory, both equal to the expected rows. */
  private static void readsBackAs(Path dir, Dataset<Row> expected) {
    List<Row> want = sorted(expected.select("id", "k", "s"));
    assertThat(sorted(spark.read().format("homi").load(dir.toString()).select("id", "k", "s")))
        .isEqualTo(want);
    assertThat(sorted(spark.read().parquet(dir.toString()).select("id", "k", "s"))).isEqualTo(want);
  }

  @Test
  void everySaveModeAsForParquet() throws IOException {
    Path dir = freshDir("writes-modes");
    Path pq = freshDir("writes-modes-parquet");
    source(0, 1000).write().format("homi").save(dir.toString());
    source(0, 1000).write().format("parquet").save(pq.toString());
    readsBackAs(dir, source(0, 1000));
    // ErrorIfExists (the default) fails on an existing directory, as parquet does.
    Throwable homiError =
        catchThrowable(() -> source(0, 10).write().format("homi").save(dir.toString()));
    Throwable parquetError =
        catchThrowable(() -> source(0, 10).write().format("parquet").save(pq.toString()));
    assertThat(homiError).isNotNull();
    assertThat(parquetError).isNotNull();
    assertThat(homiError.getMessage())
        .contains("PATH_ALREADY_EXISTS")
        .contains(dir.getFileName().toString());
    assertThat(parquetError.getMessage()).contains("PATH_ALREADY_EXISTS");
    source(0, 10).write().format("homi").mode("ignore").save(dir.toString());
    readsBackAs(dir, source(0, 1000));
    source(1000, 1500).write().format("homi").mode("append").save(dir.toString());
    readsBackAs(dir, source(0, 1500));
    source(7, 9).write().format("homi").mode("overwrite").save(dir.toString());
    readsBackAs(dir, source(7, 9));
  }

  @Test
  void partitionByAndWriterOptions() throws IOException {
    Path dir = freshDir("writes-partitioned");
    Path pq = freshDir("writes-partitioned-parquet");
    source(0, 2000)
        .write()
        .format("homi")
        .partitionBy("k")
        .option("compression", "gzip")
        .save(dir.toString());
    source(0, 2000).write().partitionBy("k").option("compression", "gzip").parquet(pq.toString());
    try (Stream<Path> s = Files.walk(dir)) {
      List<String> files =
          s.map(p -> dir.relativize(p).toString()).filter(p -> p.endsWith(".parquet")).toList();
      assertThat(files).hasSize(8).allMatch(f -> f.matches("k=[0-3]/part-.*\\.gz\\.parquet"));
    }
    Dataset<Row> homi = spark.read().format("homi").load(dir.toString());
    assertThat(homi.schema()).isEqualTo(spark.read().parquet(pq.toString()).schema());
    assertThat(sorted(homi)).isEqualTo(sorted(spark.read().parquet(pq.toString())));
    readsBackAs(dir, source(0, 2000));
  }

  @Test
  void saveAsTableAndInsertIntoAsForParquet() {
    source(0, 500).write().format("homi").partitionBy("k").saveAsTable("wh");
    source(0, 500).write().format("parquet").partitionBy("k").saveAsTable("wp");
    assertThat(spark.sql("EXPLAIN SELECT * FROM wh").first().getString(0)).contains("HomiScan");
    for (String t : List.of("wh", "wp")) {
      spark.sql(
          "INSERT INTO "
              + t
              + " SELECT id, concat('s', CAST(id AS STRING)) AS s, CAST(id % 4 AS INT) AS k"
              + " FROM range(500, 600)");
      spark.sql("INSERT INTO " + t + " VALUES (1000, 'x', 9)");
    }
    List<Row> parquet = sorted(spark.table("wp"));
    assertThat(parquet).hasSize(601);
    assertThat(spark.table("wh").schema()).isEqualTo(spark.table("wp").schema());
    assertThat(sorted(spark.table("wh"))).isEqualTo(parquet);
    source(0, 3).write().format("homi").mode("append").saveAsTable("wh");
    assertThat(spark.table("wh").count()).isEqualTo(604);
    spark.sql("INSERT OVERWRITE wh SELECT id, s, k FROM wp WHERE id < 10");
    assertThat(sorted(spark.table("wh"))).isEqualTo(sorted(spark.table("wp").where("id < 10")));
  }

  /** Row groups of each file's footer, in file order, as (starting offset, compressed bytes). */
  private static List<long[]> rowGroups(Path dir) throws IOException {
    List<long[]> out = new java.util.ArrayList<>();
    try (Stream<Path> s = Files.list(dir)) {
      for (Path f : s.filter(p -> p.toString().endsWith(".parquet")).sorted().toList()) {
        try (org.apache.parquet.hadoop.ParquetFileReader r =
            org.apache.parquet.hadoop.ParquetFileReader.open(
                org.apache.parquet.hadoop.util.HadoopInputFile.fromPath(
                    new org.apache.hadoop.fs.Path(f.toString()),
                    new org.apache.hadoop.conf.Configuration()))) {
          for (org.apache.parquet.hadoop.metadata.BlockMetaData b : r.getFooter().getBlocks()) {
            out.add(new long[] {b.getStartingPos(), b.getCompressedSize()});
          }
        }
      }
    }
    return out;
  }

  /**
   * homi.writeLayout=direct: row groups of one read split (spark.sql.files.maxPartitionBytes, here
   * 256 KiB so that a small table has several), read back equal by parquet and by homi on the OS
   * and the O_DIRECT paths; an explicit parquet.block.size wins; the default layout is Spark's.
   */
  @Test
  void directLayoutRowGroupsOfOneSplit() throws IOException {
    Path direct = freshDir("writes-direct");
    Path dflt = freshDir("writes-direct-default");
    Path given = freshDir("writes-direct-given");
    Dataset<Row> data = source(0, 200_000);
    String split = "spark.sql.files.maxPartitionBytes";
    spark.conf().set(split, "262144");
    try {
      data.write().format("homi").option("homi.writeLayout", "direct").save(direct.toString());
      data.write().format("homi").save(dflt.toString());
      data.write()
          .format("homi")
          .option("homi.writeLayout", "direct")
          .option("parquet.block.size", String.valueOf(128 << 20))
          .save(given.toString());
    } finally {
      spark.conf().unset(split);
    }
    readsBackAs(direct, data);
    for (String path : List.of("os", "direct")) {
      assertThat(
              sorted(
                  spark
                      .read()
                      .format("homi")
                      .option("homi.path", path)
                      .load(direct.toString())
                      .select("id", "k", "s")))
          .isEqualTo(sorted(data));
    }
    // Spark's default (128 MiB row groups): one row group per file of 100,000 rows.
    assertThat(rowGroups(dflt)).hasSize(2);
    assertThat(rowGroups(given)).hasSize(2);
    List<long[]> groups = rowGroups(direct);
    assertThat(groups.size()).isGreaterThan(4);
    // parquet-java checks the buffered size against the target every few thousand rows, so a row
    // group ends a little past it in memory and below it once encoded and compressed.
    assertThat(groups).allSatisfy(g -> assertThat(g[1]).isLessThanOrEqualTo(2L * 262144));
    // On file:// parquet-java does not pad (HadoopOutputFile.supportsBlockSize is hdfs/webhdfs
    // only): row groups follow each other, the first right after the 4-byte magic.
    assertThat(groups.get(0)[0]).isEqualTo(4L);
  }

  /**
   * spark.homi.writeLayout in the session reaches catalog writes too (saveAsTable, INSERT INTO):
   * the table's files have row groups of one split, and read as parquet's table does.
   */
  @Test
  void sessionWriteLayoutReachesCatalogWrites() throws IOException {
    String split = "spark.sql.files.maxPartitionBytes";
    spark.conf().set("spark.homi.writeLayout", "direct");
    spark.conf().set(split, "262144");
    try {
      source(0, 200_000).write().format("homi").saveAsTable("wh");
      spark.sql("INSERT INTO wh SELECT id, CAST(id % 4 AS INT), 'x' FROM range(200000, 400000)");
    } finally {
      spark.conf().unset("spark.homi.writeLayout");
      spark.conf().unset(split);
    }
    source(0, 200_000).write().format("parquet").saveAsTable("wp");
    spark.sql("INSERT INTO wp SELECT id, CAST(id % 4 AS INT), 'x' FROM range(200000, 400000)");
    assertThat(sorted(spark.table("wh"))).isEqualTo(sorted(spark.table("wp")));
    String[] files = spark.table("wh").inputFiles();
    assertThat(files).hasSize(4);
    Path dir = Path.of(java.net.URI.create(files[0])).getParent();
    // Four files of 100,000 rows; Spark's 128 MiB default would give one row group each.
    assertThat(rowGroups(dir).size()).isGreaterThan(8);
  }

  @Test
  void writeLayoutIsChecked() {
    assertThatThrownBy(
            () ->
                source(0, 10)
                    .write()
                    .format("homi")
                    .option("homi.writeLayout", "aligned")
                    .save(freshDir("writes-bad-layout").resolve("t").toString()))
        .satisfies(
            e ->
                assertThat(messages(e))
                    .contains("homi.writeLayout")
                    .contains("aligned")
                    .contains("direct"));
    assertThatThrownBy(
            () ->
                source(0, 10)
                    .write()
                    .format("homi")
                    .option("homi.writeLayot", "direct")
                    .save(freshDir("writes-bad-key").resolve("t").toString()))
        .satisfies(e -> assertThat(messages(e)).contains("unknown option homi.writeLayot"));
  }

  @Test
  void aPathIsNeeded() {
    assertThatThrownBy(() -> source(0, 10).write().format("homi").save())
        .satisfies(e -> assertThat(messages(e)).contains("homi").contains("path"));
  }

  private static Throwable catchThrowable(Runnable r) {
    try {
      r.run();
      return null;
    } catch (Throwable t) {
      return t;
    }
  }
}
