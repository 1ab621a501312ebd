package io.homi.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Page-index pruning (ColumnIndex/OffsetIndex) on files Spark writes with small pages and sorted
 * data, so that page min/max are selective: results equal format("parquet"), and the metrics show
 * that only about the matching pages were read. homi.coalesceGap=0 so that the bytes read are the
 * pages asked for, not the gaps between them.
 */
class PagePruningIT extends SparkTestBase {
  private static final long ROWS = 200_000;
  private static Path dir;
  private static Path wide;

  @BeforeAll
  static void write() throws IOException {
    // Spark's default INT96 timestamps have no statistics; micros are what a pruning test needs.
    spark.conf().set("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS");
    dir = freshDir("page-pruning");
    // One sorted file; columns of several widths (their pages end on different rows), nulls,
    // NaN, strings, decimals (long- and binary-backed), timestamps.
    spark
        .range(0, ROWS, 1, 1)
        .selectExpr(
            "id",
            "CAST(id AS INT) AS i",
            "CASE WHEN id % 1000 = 7 THEN double('NaN') ELSE id * 0.5 END AS d",
            "lpad(CAST(id AS STRING), 8, '0') AS s",
            "CAST(id / 100 AS DECIMAL(18, 2)) AS dec",
            "CAST(id / 100 AS DECIMAL(30, 2)) AS big",
            "timestamp_seconds(id) AS ts",
            "CASE WHEN id BETWEEN 50000 AND 60000 THEN NULL ELSE id END AS n")
        .write()
        .option("parquet.block.size", 1024 * 1024)
        .option("parquet.page.size", 4096)
        .option("parquet.enable.dictionary", "false")
        .parquet(dir.toString());
    assertThat(MetricsIT.countRowGroups(dir)).isGreaterThan(1);

    // A narrow and a wide column: a wide page holds few rows, a narrow one many, so the rows a
    // filter keeps must be widened to page boundaries of both before either is read.
    wide = freshDir("page-pruning-wide");
    spark
        .range(0, 60_000, 1, 1)
        .selectExpr(
            "id",
            "CAST(id % 7 AS INT) AS k",
            "concat(lpad(CAST(id AS STRING), 8, '0'), repeat('x', 200)) AS w")
        .write()
        .option("parquet.page.size", 8192)
        .option("parquet.enable.dictionary", "false")
        .parquet(wide.toString());
  }

  @Test
  void selectiveFiltersEqualParquetAndReadFewPages() throws IOException {
    long size = MetricsIT.totalSize(dir);
    for (String where :
        List.of(
            "id BETWEEN 100000 AND 100499",
            "i = 123456",
            "s LIKE '0012345%'",
            "s = '00150000'",
            "dec = 1234.56",
            "big > 1999.90",
            "ts < timestamp_seconds(300)",
            "n IS NULL AND id < 52000",
            "n = 70000 OR id IN (3, 199999)",
            "NOT (id >= 500)",
            "id > 100 AND id < 300")) {
      Map<String, Long> m = check(dir, where, "*");
      assertThat(m.get("homiPagesPruned")).as(where).isPositive();
      assertThat(m.get("homiRowsDecoded")).as(where).isLessThan(ROWS / 20);
      assertThat(bytes(m)).as(where).isLessThan(size / 5);
    }
  }

  @Test
  void nanAndNullsAreNeverPrunedAway() throws IOException {
    // NaN is above every number, nulls match no comparison but IS NULL: such filters keep pages.
    for (String where :
        List.of(
            "d > 99000.0",
            "d < 100.0",
            "isnan(d)",
            "d = double('NaN')",
            "NOT (d < 50.0)",
            "n IS NULL",
            "n IS NOT NULL AND id > 199000",
            "n <=> NULL")) {
      check(dir, where, "*");
    }
  }

  @Test
  void unselectiveFilterReadsEverything() throws IOException {
    Map<String, Long> m = check(dir, "id >= 0", "*");
    assertThat(m.get("homiPagesPruned")).isZero();
    assertThat(m.get("homiRowsDecoded")).isEqualTo(ROWS);
  }

  @Test
  void columnsWithDifferentPageBoundariesYieldTheSameRows() throws IOException {
    // Filter on the wide column, read the narrow one (and the other way round): each column
    // reads its own pages and drops its rows outside the kept ones; a mistake there gives
    // misaligned rows or a row-count failure.
    for (String[] q :
        new String[][] {
          {"w >= '00031000' AND w < '00031003'", "id, k, w"},
          {"w LIKE '0004000%'", "k"},
          {"id BETWEEN 12345 AND 12350", "w"},
          {"id = 59999 OR w < '00000002'", "k, w"}
        }) {
      Map<String, Long> m = check(wide, q[0], q[1]);
      assertThat(m.get("homiPagesPruned")).as(q[0]).isPositive();
      // Only the kept rows reach Spark: the matching ones, and the rest of the filter
      // column's pages that hold them.
      assertThat(m.get("homiRowsDecoded")).as(q[0]).isLessThanOrEqualTo(2_000L);
    }
  }

  @Test
  void pagePruningReadsAboutTheMatchingPagesBytes() throws IOException {
    // Footers only (statistics prune every row group), everything, and 500 rows of 200,000.
    long footers = bytes(count(dir, "id < 0", "id, s"));
    long all = bytes(check(dir, "id >= 0", "id, s")) - footers;
    Map<String, Long> few = check(dir, "id BETWEEN 100000 AND 100499", "id, s");
    assertThat(few.get("homiPagesPruned")).isPositive();
    // id pages hold ~500 rows (4 KiB of longs), s pages ~400: a few pages of each, read 4 KiB
    // aligned, and the two columns' page indexes of one row group: tens of KiB of ~2 MB.
    assertThat(bytes(few) - footers).isPositive().isLessThan(all / 20).isLessThan(64 * 1024);
    assertThat(few.get("homiRowsDecoded")).isBetween(500L, 2_000L);
  }

  @Test
  void aCorruptOffsetIndexFailsNamingTheFileAndTheIndex() throws IOException {
    Path bad = java.nio.file.Files.createDirectories(freshDir("page-pruning-bad"));
    Path src;
    try (var s = java.nio.file.Files.list(wide)) {
      src = s.filter(f -> f.toString().endsWith(".parquet")).findFirst().orElseThrow();
    }
    Path file = java.nio.file.Files.copy(src, bad.resolve("part-0.parquet"));
    long at;
    int len;
    try (var r =
        io.homi.runtime.parquet.ParquetFileReader.open(
            io.homi.runtime.HomiRuntime.get(), file, io.homi.runtime.HomiConfig.defaults())) {
      var chunk = r.metadata().getRow_groups().get(0).getColumns().get(0);
      at = chunk.getOffset_index_offset();
      len = chunk.getOffset_index_length();
    }
    byte[] junk = new byte[len];
    java.util.Arrays.fill(junk, (byte) 0xff);
    try (var ch =
        java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.WRITE)) {
      ch.write(java.nio.ByteBuffer.wrap(junk), at);
    }
    Throwable t =
        org.assertj.core.api.Assertions.catchThrowable(
            () -> spark.read().format("homi").load(bad.toString()).where("id = 5").collectAsList());
    assertThat(messages(t))
        .contains("corrupt Parquet file")
        .contains("part-0.parquet")
        .contains("offset index at " + at);
  }

  /** A query that returns no row with either reader; the homi scan's metrics. */
  static Map<String, Long> count(Path path, String where, String cols) {
    Dataset<Row> homi =
        spark
            .read()
            .format("homi")
            .option("homi.coalesceGap", "0")
            .option("homi.path", "os")
            .load(path.toString())
            .where(where)
            .selectExpr(cols.split(", "));
    assertThat(homi.collectAsList()).as(where).isEmpty();
    assertThat(spark.read().parquet(path.toString()).where(where).count()).as(where).isZero();
    return MetricsIT.scanMetrics(homi);
  }

  /** Both readers on the same query; rows equal (in any order); the homi scan's metrics. */
  static Map<String, Long> check(Path path, String where, String cols) {
    Dataset<Row> homi =
        spark
            .read()
            .format("homi")
            .option("homi.coalesceGap", "0")
            .option("homi.path", "os")
            .load(path.toString())
            .where(where)
            .selectExpr(cols.split(", "));
    Dataset<Row> parquet =
        spark.read().parquet(path.toString()).where(where).selectExpr(cols.split(", "));
    List<String> h = sorted(homi.collectAsList());
    List<String> p = sorted(parquet.collectAsList());
    assertThat(h).as(where).isNotEmpty().containsExactlyElementsOf(p);
    return MetricsIT.scanMetrics(homi);
  }

  static List<String> sorted(List<Row> rows) {
    return rows.stream().map(Row::toString).sorted().toList();
  }

  static long bytes(Map<String, Long> m) {
    return m.get("homiBytesOs") + m.get("homiBytesDirect") + m.get("homiBytesDevice");
  }
}
