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
 * LIMIT pushdown: a LIMIT with nothing to filter above the scan stops each task once it has
 * returned enough rows, so few row groups are fetched; answers as format("parquet") gives them (any
 * rows of the table, as many as asked), and a filtered LIMIT is not pushed.
 */
class LimitIT extends SparkTestBase {
  private static Path dir;
  private static final long ROWS = 400_000;

  @BeforeAll
  static void data() throws IOException {
    dir = freshDir("limit");
    spark
        .range(0, ROWS, 1, 2)
        .selectExpr("id", "concat('v', CAST(id * 7 AS STRING)) AS s")
        .write()
        .option("parquet.block.size", 64 * 1024)
        .parquet(dir.toString());
  }

  private static Dataset<Row> homi() {
    return spark.read().format("homi").load(dir.toString());
  }

  @Test
  void limitStopsFetchingEarly() throws IOException {
    Dataset<Row> limited = homi().limit(10);
    assertThat(limited.queryExecution().executedPlan().toString()).contains("PushedLimit: 10");
    List<Row> rows = limited.collectAsList();
    assertThat(rows)
        .hasSize(10)
        .allSatisfy(r -> assertThat(r.getString(1)).isEqualTo("v" + r.getLong(0) * 7));
    assertThat(rows).hasSize(spark.read().parquet(dir.toString()).limit(10).collectAsList().size());
    Map<String, Long> m = MetricsIT.scanMetrics(limited);
    int total = MetricsIT.countRowGroups(dir);
    assertThat(total).isGreaterThan(20);
    // Each of the two tasks decodes one batch of its first row group and stops (plus at most the
    // row group the pipeline fetched ahead).
    assertThat(m.get("homiRowsDecoded")).isLessThan(ROWS / 20);
    long bytes = m.get("homiBytesOs") + m.get("homiBytesDirect") + m.get("homiBytesDevice");
    assertThat(bytes).as("bytes fetched for 10 rows").isLessThan(MetricsIT.totalSize(dir) / 10);
  }

  @Test
  void limitsAnswerAsParquet() {
    spark.read().format("homi").load(dir.toString()).createOrReplaceTempView("lh");
    spark.read().parquet(dir.toString()).createOrReplaceTempView("lp");
    for (String q :
        List.of(
            "SELECT count(*) FROM (SELECT * FROM %s LIMIT 12345)",
            "SELECT count(*) FROM (SELECT id FROM %s LIMIT 0)",
            "SELECT * FROM %s ORDER BY id DESC LIMIT 7",
            "SELECT sum(id) FROM (SELECT id FROM %s WHERE id %% 1000 = 3 LIMIT 50000)")) {
      assertThat(spark.sql(String.format(q, "lh")).collectAsList())
          .as(q)
          .isEqualTo(spark.sql(String.format(q, "lp")).collectAsList());
    }
  }

  @Test
  void aFilteredLimitIsNotPushed() {
    Dataset<Row> df = homi().where("id % 2 = 1").limit(5);
    assertThat(df.queryExecution().executedPlan().toString()).doesNotContain("PushedLimit");
    assertThat(df.collectAsList())
        .hasSize(5)
        .allSatisfy(r -> assertThat(r.getLong(0) % 2).isEqualTo(1));
  }
}
