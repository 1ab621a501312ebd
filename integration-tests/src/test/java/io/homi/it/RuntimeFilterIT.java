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
 * Runtime filtering (SupportsRuntimeV2Filtering): in a star join whose dimension filter selects a
 * few keys, Spark's dynamic partition pruning hands the fact scan the keys the dimension kept, and
 * the scan reads only those partitions: fewer files and row groups, the same rows as parquet.
 */
class RuntimeFilterIT extends SparkTestBase {
  private static Path fact;
  private static Path dim;

  @BeforeAll
  static void data() throws IOException {
    fact = freshDir("rtf-fact");
    dim = freshDir("rtf-dim");
    // 10 partitions of the fact table, 2 files each; the dimension names each key.
    spark
        .range(0, 100_000, 1, 2)
        .selectExpr("CAST(id % 10 AS INT) AS k", "id AS v", "CAST(id % 97 AS INT) AS w")
        .write()
        .partitionBy("k")
        .parquet(fact.toString());
    spark
        .range(0, 10, 1, 1)
        .selectExpr(
            "CAST(id AS INT) AS k",
            "CASE WHEN id IN (3, 7) THEN 'chosen' ELSE concat('other', CAST(id AS STRING)) END AS name")
        .write()
        .parquet(dim.toString());
  }

  @AfterEach
  void reset() {
    spark.conf().unset("spark.sql.adaptive.enabled");
    spark.conf().unset("spark.sql.optimizer.dynamicPartitionPruning.enabled");
  }

  private static final String STAR =
      "SELECT d.name, f.k, count(*), sum(f.v), max(f.w) FROM %s f JOIN %s d ON f.k = d.k "
          + "WHERE d.name = 'chosen' GROUP BY d.name, f.k";

  @Test
  void aStarJoinReadsOnlyThePartitionsTheDimensionKeeps() throws IOException {
    spark
        .conf()
        .set(
            "spark.sql.adaptive.enabled",
            "false"); // the scan's metrics on the plan, not in a query stage
    spark.read().format("homi").load(fact.toString()).createOrReplaceTempView("fh");
    spark.read().parquet(fact.toString()).createOrReplaceTempView("fp");
    spark.read().parquet(dim.toString()).createOrReplaceTempView("dp");
    Dataset<Row> df = spark.sql(String.format(STAR, "fh", "dp"));
    List<String> rows = sorted(df);
    assertThat(rows).hasSize(2).isEqualTo(sorted(spark.sql(String.format(STAR, "fp", "dp"))));
    String plan = df.queryExecution().executedPlan().toString();
    assertThat(plan)
        .contains("HomiScan")
        .containsPattern("RuntimeFilters: \\[dynamicpruningexpression\\(");
    Map<String, Long> m = MetricsIT.scanMetrics(df);
    int total = MetricsIT.countRowGroups(fact);
    assertThat(total).isGreaterThanOrEqualTo(20);
    assertThat(m.get("homiRowGroupsRead"))
        .as("row groups of 2 of the 10 partitions")
        .isPositive()
        .isLessThanOrEqualTo(total / 5);
    assertThat(m.get("homiRowsDecoded")).isEqualTo(20_000L);

    // The pruning is the runtime filter's: without dynamic partition pruning every partition is
    // read.
    spark.conf().set("spark.sql.optimizer.dynamicPartitionPruning.enabled", "false");
    Dataset<Row> all = spark.sql(String.format(STAR, "fh", "dp"));
    assertThat(sorted(all)).isEqualTo(rows);
    assertThat(all.queryExecution().executedPlan().toString())
        .doesNotContain("dynamicpruningexpression");
    assertThat(MetricsIT.scanMetrics(all).get("homiRowsDecoded")).isEqualTo(100_000L);
  }

  @Test
  void withAdaptiveExecutionTheAnswersAreParquets() {
    spark.read().format("homi").load(fact.toString()).createOrReplaceTempView("fh");
    spark.read().parquet(fact.toString()).createOrReplaceTempView("fp");
    spark.read().format("homi").load(dim.toString()).createOrReplaceTempView("dh");
    spark.read().parquet(dim.toString()).createOrReplaceTempView("dp");
    for (String q :
        List.of(
            STAR,
            "SELECT f.k, f.v FROM %s f JOIN %s d ON f.k = d.k WHERE d.name IN ('chosen', 'other1') AND f.v %% 1000 = 1",
            "SELECT count(*) FROM %s f JOIN %s d ON f.k = d.k WHERE d.name = 'nothing'")) {
      List<String> expected = sorted(spark.sql(String.format(q, "fp", "dp")));
      assertThat(sorted(spark.sql(String.format(q, "fh", "dh")))).as(q).isEqualTo(expected);
      assertThat(sorted(spark.sql(String.format(q, "fh", "dp")))).as(q).isEqualTo(expected);
    }
  }

  private static List<String> sorted(Dataset<Row> df) {
    List<String> out = new ArrayList<>();
    for (Row r : df.collectAsList()) out.add(r.toString());
    out.sort(Comparator.naturalOrder());
    return out;
  }
}
