package io.homi.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Aggregate pushdown (spark.sql.parquet.aggregatePushdown): MIN/MAX/COUNT answered per file from
 * footers, GROUP BY partition columns; every query answers as format("parquet") with the same
 * setting, the plan names the pushed aggregation exactly where Spark's rules allow it, and files
 * whose statistics cannot answer (none written, NaN in a double) are read instead.
 */
class AggregatePushdownIT extends SparkTestBase {
  private static final String CONF = "spark.sql.parquet.aggregatePushdown";
  private static Path dir;
  private static Path noStats;
  private static Path nan;
  private static Path big;

  @BeforeAll
  static void data() throws IOException {
    dir = freshDir("aggpush");
    // Two partition columns, one with a null value; every data column has nulls, and one file's
    // column is entirely null; several row groups per file.
    spark
        .range(0, 60_000, 1, 3)
        .selectExpr(
            "CAST(id % 3 AS INT) AS p",
            "CASE WHEN id % 5 = 0 THEN NULL ELSE concat('q', CAST(id % 2 AS STRING)) END AS q",
            "CASE WHEN id % 7 = 0 THEN NULL ELSE id % 2 = 0 END AS b",
            "CASE WHEN id % 11 = 0 THEN NULL ELSE CAST(id % 100 - 50 AS BYTE) END AS i8",
            "CASE WHEN id % 13 = 0 THEN NULL ELSE CAST(id % 3000 - 1500 AS SHORT) END AS i16",
            "CASE WHEN id % 17 = 0 THEN NULL ELSE CAST(id * 31 % 100003 - 50000 AS INT) END AS i",
            "CASE WHEN id % 19 = 0 THEN NULL ELSE id * 1000003 - 7 END AS l",
            "CASE WHEN id % 23 = 0 THEN NULL ELSE CAST(id / 7.0 - 100 AS FLOAT) END AS f",
            "CASE WHEN id % 29 = 0 THEN NULL ELSE CAST(id AS DOUBLE) / 3.0 - 5000 END AS d",
            "CASE WHEN id % 31 = 0 THEN NULL ELSE date_add(DATE'1999-01-01', CAST(id % 9000 AS INT)) END AS dt",
            "CASE WHEN id % 37 = 0 THEN NULL ELSE concat('s', CAST(id * 7 % 1000 AS STRING)) END AS s",
            "CASE WHEN id % 41 = 0 THEN NULL ELSE CAST(id / 100.0 AS DECIMAL(12, 2)) END AS dec",
            "CASE WHEN id % 43 = 0 THEN NULL ELSE timestamp_micros(1600000000000000 + id * 1000003) END AS ts",
            "CASE WHEN id < 20000 THEN NULL ELSE id END AS sparse")
        .write()
        .option("parquet.block.size", 64 * 1024)
        .partitionBy("p", "q")
        .parquet(dir.toString());
    noStats = freshDir("aggpush-nostats");
    spark
        .range(0, 5000, 1, 2)
        .selectExpr(
            "CAST(id % 2 AS INT) AS p",
            "CASE WHEN id % 9 = 0 THEN NULL ELSE CAST(id AS INT) - 77 END AS i", "id * 3 AS l")
        .write()
        .option("parquet.column.statistics.enabled", "false")
        .partitionBy("p")
        .parquet(noStats.toString());
    big = freshDir("aggpush-big"); // files much larger than a footer read (a speculative tail)
    spark
        .range(0, 400_000, 1, 2)
        .selectExpr(
            "CAST(id * 31 % 1000003 AS INT) AS i",
            "id * 7 AS l",
            "CASE WHEN id % 3 = 0 THEN NULL ELSE concat('v', CAST(id AS STRING)) END AS s")
        .write()
        .option("parquet.block.size", 256 * 1024)
        .parquet(big.toString());
    nan = freshDir("aggpush-nan");
    spark
        .range(0, 3000, 1, 1)
        .selectExpr(
            "CASE WHEN id = 1500 THEN CAST('NaN' AS DOUBLE) ELSE id / 2.0 END AS d",
            "CASE WHEN id = 10 THEN CAST('NaN' AS FLOAT) ELSE CAST(id AS FLOAT) END AS f")
        .write()
        .parquet(nan.toString());
  }

  @AfterEach
  void reset() {
    spark.conf().unset(CONF);
    spark.conf().unset("spark.sql.adaptive.enabled");
  }

  private static final List<String> PUSHABLE =
      List.of(
          "SELECT count(*) FROM %s",
          "SELECT count(*), count(b), count(i8), count(i16), count(i), count(l), count(f), count(d), count(dt), count(s), "
              + "count(dec), count(ts), count(sparse), count(p), count(q) FROM %s",
          "SELECT min(b), max(b), min(i8), max(i8), min(i16), max(i16), min(i), max(i), min(l), max(l) FROM %s",
          "SELECT min(f), max(f), min(d), max(d), min(dt), max(dt), min(sparse), max(sparse) FROM %s",
          "SELECT p, q, count(*), min(i), max(l), count(s), max(dt) FROM %s GROUP BY p, q",
          "SELECT q, p, max(i16), min(sparse), count(sparse) FROM %s GROUP BY q, p",
          "SELECT p, count(*), min(i), max(d) FROM %s GROUP BY p",
          "SELECT min(p), max(p), min(q), max(q), count(q) FROM %s",
          // Filters on partition columns alone are evaluated exactly by the scan, as for parquet.
          "SELECT count(*), min(i) FROM %s WHERE p = 1",
          "SELECT p, count(*), max(l) FROM %s WHERE q IS NULL GROUP BY p",
          "SELECT count(*), count(q), max(dt) FROM %s WHERE p IN (0, 2) AND q = 'q1'",
          "SELECT count(*), min(i16) FROM %s WHERE NOT (q = 'q0')",
          "SELECT count(*), max(b) FROM %s WHERE q <> 'q0' OR p >= 2",
          "SELECT count(*) FROM %s WHERE q <=> NULL OR 1 = p");

  private static final List<String> NOT_PUSHED =
      List.of(
          "SELECT min(s), max(s) FROM %s",
          "SELECT min(dec), max(dec) FROM %s",
          "SELECT min(ts), max(ts) FROM %s",
          "SELECT count(*), max(l) FROM %s WHERE i > 0",
          "SELECT count(*), max(l) FROM %s WHERE p = 1 OR i > 0",
          "SELECT count(*) FROM %s WHERE p = 1 AND l > 5",
          "SELECT sum(i), count(*) FROM %s",
          "SELECT count(DISTINCT i8) FROM %s",
          "SELECT b, count(*) FROM %s GROUP BY b",
          "SELECT max(i + 1) FROM %s");

  @Test
  void answersAsParquetWithAndWithoutTheSetting() {
    for (String on : List.of("true", "false")) {
      spark.conf().set(CONF, on);
      spark.read().format("homi").load(dir.toString()).createOrReplaceTempView("ah");
      spark.read().parquet(dir.toString()).createOrReplaceTempView("ap");
      List<String> all = new ArrayList<>(PUSHABLE);
      all.addAll(NOT_PUSHED);
      for (String q : all) {
        assertThat(sorted(spark.sql(String.format(q, "ah"))))
            .as(q + " with " + CONF + "=" + on)
            .isEqualTo(sorted(spark.sql(String.format(q, "ap"))));
      }
    }
  }

  @Test
  void thePlanShowsThePushedAggregationWhereSparksRulesAllowIt() {
    spark.conf().set(CONF, "true");
    spark.read().format("homi").load(dir.toString()).createOrReplaceTempView("ah");
    for (String q : PUSHABLE) {
      assertThat(plan(String.format(q, "ah"))).as(q).contains("PushedAggregation: [");
    }
    assertThat(plan("SELECT p, q, count(*), min(i) FROM ah GROUP BY p, q"))
        .contains("PushedAggregation: [COUNT(*), MIN(i)] PushedGroupBy: [p, q]");
    for (String q : NOT_PUSHED) {
      assertThat(plan(String.format(q, "ah"))).as(q).doesNotContain("PushedAggregation");
    }
    spark.conf().set(CONF, "false");
    assertThat(plan("SELECT count(*), min(i) FROM ah")).doesNotContain("PushedAggregation");
  }

  @Test
  void footersAnswerWithoutReadingColumnValues() throws IOException {
    spark.conf().set(CONF, "true");
    spark
        .conf()
        .set(
            "spark.sql.adaptive.enabled",
            "false"); // the scan's metrics on the plan, not inside a query stage
    Dataset<Row> df =
        spark
            .read()
            .format("homi")
            .load(big.toString())
            .selectExpr("count(*)", "min(i)", "max(l)", "count(s)");
    Row r = df.collectAsList().get(0);
    spark.conf().set(CONF, "false");
    assertThat(r)
        .isEqualTo(
            spark
                .read()
                .parquet(big.toString())
                .selectExpr("count(*)", "min(i)", "max(l)", "count(s)")
                .collectAsList()
                .get(0));
    assertThat(r.getLong(0)).isEqualTo(400_000L);
    Map<String, Long> m = MetricsIT.scanMetrics(df);
    assertThat(m.get("homiFilesAggregatedFromValues")).isZero();
    assertThat(m.get("homiFilesAnsweredFromFooter")).isEqualTo(2);
    assertThat(m.get("homiRowsDecoded")).isZero();
    assertThat(m.get("homiRowGroupsRead")).isZero();
    long bytes =
        m.get("homiBytesOs")
            + m.get("homiBytesDirect")
            + m.get("homiBytesDevice")
            + m.get("homiBytesPassthrough");
    // Footers may be cached from planning (0 bytes); else about a speculative tail per file.
    assertThat(bytes).as("footer bytes only").isLessThan(MetricsIT.totalSize(big) / 10);
  }

  @Test
  void filesWithoutStatisticsAreReadInstead() {
    String q = "SELECT p, count(*), count(i), min(i), max(i), max(l) FROM %s GROUP BY p";
    spark.conf().set(CONF, "false");
    spark.read().parquet(noStats.toString()).createOrReplaceTempView("np");
    List<String> expected = sorted(spark.sql(String.format(q, "np")));
    spark.conf().set(CONF, "true");
    spark.conf().set("spark.sql.adaptive.enabled", "false");
    spark.read().format("homi").load(noStats.toString()).createOrReplaceTempView("nh");
    Dataset<Row> df = spark.sql(String.format(q, "nh"));
    assertThat(df.queryExecution().executedPlan().toString()).contains("PushedAggregation");
    assertThat(sorted(df)).isEqualTo(expected);
    Map<String, Long> m = MetricsIT.scanMetrics(df);
    assertThat(m.get("homiFilesAggregatedFromValues")).isPositive();
    assertThat(m.get("homiFilesAnsweredFromFooter")).isZero();
  }

  @Test
  void aNaNInADoubleColumnIsSeenAsSparkSeesIt() {
    // parquet-mr leaves a NaN out of the bounds it writes; Spark's MAX of doubles is NaN.
    String q = "SELECT min(d), max(d), min(f), max(f), count(d) FROM %s";
    spark.conf().set(CONF, "false");
    List<String> expected =
        sorted(
            spark
                .read()
                .parquet(nan.toString())
                .selectExpr("min(d)", "max(d)", "min(f)", "max(f)", "count(d)"));
    assertThat(expected.get(0)).contains("NaN");
    spark.conf().set(CONF, "true");
    spark.read().format("homi").load(nan.toString()).createOrReplaceTempView("nanh");
    Dataset<Row> df = spark.sql(String.format(q, "nanh"));
    assertThat(df.queryExecution().executedPlan().toString()).contains("PushedAggregation");
    assertThat(sorted(df)).isEqualTo(expected);
  }

  private static String plan(String sql) {
    return spark.sql(sql).queryExecution().executedPlan().toString();
  }

  private static List<String> sorted(Dataset<Row> df) {
    List<String> out = new ArrayList<>();
    for (Row r : df.collectAsList()) out.add(r.toString());
    out.sort(Comparator.naturalOrder());
    return out;
  }
}
