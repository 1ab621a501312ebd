package io.homi.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * SQL on paths (``homi.`/dir` ``) under {@code spark.sql.extensions=io.homi.spark.HomiExtensions}:
 * the query reads through homi's own V2 scan (a BatchScan with homi's metrics and pushdowns)
 * instead of Spark's V1 file scan, and answers as ``parquet.`/dir` ``. The extension is a static
 * setting, so this class has a session of its own.
 */
class SqlOnPathIT {
  private static SparkSession spark;
  private static Path dir;

  @BeforeAll
  static void start() throws IOException {
    SparkSession.clearActiveSession();
    SparkSession.clearDefaultSession();
    spark =
        SparkSession.builder()
            .master("local[2]")
            .appName("homi-it-sql-on-path")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "2")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.sql.adaptive.enabled", "false") // the scan's metrics on the plan
            .config("spark.sql.extensions", "io.homi.spark.HomiExtensions")
            .getOrCreate();
    dir = Files.createDirectories(Path.of("target", "it-data")).toAbsolutePath().resolve("sqlpath");
    spark
        .range(0, 10_000, 1, 2)
        .selectExpr("id", "id % 5 AS k", "CAST(id % 3 AS INT) AS part")
        .write()
        .mode("overwrite")
        .partitionBy("part")
        .parquet(dir.toString());
  }

  @AfterAll
  static void stop() {
    if (spark != null) spark.stop();
    spark = null;
    SparkSession.clearActiveSession();
    SparkSession.clearDefaultSession();
  }

  private static final String HOMI = "homi.`%s`";
  private static final String PARQUET = "parquet.`%s`";

  private static List<Row> rows(String query, String source) {
    return spark.sql(String.format(query, String.format(source, dir))).collectAsList();
  }

  @Test
  void thePathReadsThroughHomisScanAndAnswersAsParquet() {
    for (String q :
        List.of(
            "SELECT part, k, count(*) AS n, sum(id) AS total FROM %s WHERE id > 100 GROUP BY part, k ORDER BY part, k",
            "SELECT id, part, input_file_name() AS f, _metadata.file_name AS n FROM %s WHERE part = 1 AND id < 50 ORDER BY id",
            "SELECT id, _metadata.row_index FROM %s WHERE id > 20 AND part = 2 ORDER BY id",
            "SELECT * FROM %s WHERE k = 1 ORDER BY id LIMIT 7")) {
      List<Row> expected = rows(q, PARQUET);
      assertThat(expected).as(q).isNotEmpty();
      assertThat(rows(q, HOMI)).as(q).isEqualTo(expected);
    }
    String plan =
        spark
            .sql("EXPLAIN SELECT * FROM " + String.format(HOMI, dir) + " WHERE k = 1")
            .first()
            .getString(0);
    assertThat(plan).contains("BatchScan", "HomiScan").doesNotContain("FileScan homi");
  }

  @Test
  void homisMetricsAndAggregatePushdownOnThePath() {
    Dataset<Row> rowsRead =
        spark.sql("SELECT id, k FROM " + String.format(HOMI, dir) + " WHERE k = 1");
    assertThat(rowsRead.collectAsList()).hasSize(2000);
    Map<String, Long> m = MetricsIT.scanMetrics(rowsRead);
    assertThat(m.get("homiRowsDecoded")).isEqualTo(10_000L);

    Dataset<Row> count = spark.sql("SELECT count(*) FROM " + String.format(HOMI, dir));
    assertThat(count.queryExecution().executedPlan().toString())
        .contains("PushedAggregation: [COUNT(*)]");
    assertThat(count.collectAsList().get(0).getLong(0)).isEqualTo(10_000L);
    Map<String, Long> c = MetricsIT.scanMetrics(count);
    assertThat(c.get("homiFilesAnsweredFromFooter")).isPositive();
    assertThat(c.get("homiRowsDecoded")).isZero();
  }
}
