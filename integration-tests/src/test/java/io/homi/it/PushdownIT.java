package io.homi.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * V2 predicate pushdown: row groups pruned by statistics, never a different answer from
 * format("parquet"), and a filter that keeps one row group reads about one row group's bytes.
 */
class PushdownIT extends SparkTestBase {
  private static Path dir;

  @BeforeAll
  static void data() throws IOException {
    dir = freshDir("pushdown");
    // One sorted file: ids in disjoint ranges per row group, so statistics can prove absence.
    spark
        .range(0, 200_000, 1, 1)
        .selectExpr(
            "id",
            "CASE WHEN id % 10 = 0 THEN NULL ELSE CAST(id AS INT) END AS i",
            "CASE WHEN id >= 150000 THEN NULL ELSE concat('k', lpad(CAST(id AS STRING), 7, '0')) END AS s",
            "CASE WHEN id % 1000 = 0 THEN CAST('NaN' AS DOUBLE) ELSE CAST(id AS DOUBLE) END AS d",
            "date_add(DATE'2020-01-01', CAST(id / 1000 AS INT)) AS day",
            "id % 2 = 0 AS even")
        .write()
        .option("parquet.block.size", 256 * 1024)
        .parquet(dir.toString());
    assertThat(MetricsIT.countRowGroups(dir)).isGreaterThan(4);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "id = 12345",
        "id <=> 12345",
        "id < 100",
        "id <= 100",
        "id > 199000",
        "id >= 199990",
        "12345 = id",
        "100 > id",
        "id IN (5, 150001, 199999)",
        "i IS NULL",
        "i IS NOT NULL AND id < 5000",
        "s IS NULL",
        "s IS NOT NULL AND id > 149990",
        "i = 77 OR id > 199990",
        "NOT (id >= 100)",
        "NOT (id < 199000 OR id > 199500)",
        "s LIKE 'k00123%'",
        "s = 'k0150000'",
        "s > 'k0149990'",
        "d > 199990.0",
        "d < 10.0",
        "d = 5.0",
        "isnan(d)",
        "d IS NULL",
        "day = DATE'2020-03-01'",
        "day > DATE'2020-07-01'",
        "even = true AND id < 50",
        "id = NULL",
        "id <=> NULL",
        "i IN (NULL, 3)",
        "NOT (s LIKE 'k%')",
        "id <> 0"
      })
  void prunedReadsEqualParquet(String where) {
    Dataset<Row> homi = spark.read().format("homi").load(dir.toString()).where(where);
    Dataset<Row> parquet = spark.read().parquet(dir.toString()).where(where);
    assertThat(homi.orderBy("id").collectAsList())
        .as(where)
        .containsExactlyElementsOf(parquet.orderBy("id").collectAsList());
  }

  @Test
  void oneRowGroupFilterReadsAboutOneRowGroup() throws IOException {
    int groups = MetricsIT.countRowGroups(dir);
    Dataset<Row> all = spark.read().format("homi").option("homi.path", "os").load(dir.toString());
    assertThat(all.collectAsList()).hasSize(200_000);
    long allBytes = MetricsIT.scanMetrics(all).get("homiBytesOs");

    Dataset<Row> one =
        spark
            .read()
            .format("homi")
            .option("homi.path", "os")
            .load(dir.toString())
            .where("id = 123456");
    assertThat(one.collectAsList()).hasSize(1);
    Map<String, Long> m = MetricsIT.scanMetrics(one);
    assertThat(m.get("homiRowGroupsRead")).isEqualTo(1L);
    assertThat(m.get("homiRowGroupsPruned")).isEqualTo(groups - 1L);
    // One row group's chunks plus the footer, against all of them.
    assertThat(m.get("homiBytesOs")).isLessThan(allBytes * 2 / groups).isPositive();
    assertThat(m.get("homiRowsDecoded")).isLessThan(200_000L / groups * 2);
  }

  @Test
  void explainShowsPushedFilters() {
    Dataset<Row> df =
        spark.read().format("homi").load(dir.toString()).where("id > 10 AND s LIKE 'k1%'");
    String plan = df.queryExecution().executedPlan().toString();
    assertThat(plan).contains("PushedFilters").contains("id > 10").contains("s LIKE 'k1%'");
    // Spark still evaluates every filter after the scan.
    assertThat(plan).contains("Filter");
  }
}
