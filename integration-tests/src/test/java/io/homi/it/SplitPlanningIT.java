package io.homi.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.execution.datasources.v2.DataSourceV2ScanRelation;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Splits like Spark's file sources: maxPartitionBytes and openCostInBytes decide the tasks, every
 * row group is read by exactly one task (midpoint rule), and statistics come from footers.
 */
class SplitPlanningIT extends SparkTestBase {
  private static Path dir;

  @BeforeAll
  static void data() throws IOException {
    dir = freshDir("splits");
    spark
        .range(0, 120_000, 1, 2)
        .selectExpr("id", "concat('v', CAST(id * 7 AS STRING)) AS s")
        .write()
        .option("parquet.block.size", 128 * 1024)
        .parquet(dir.toString());
  }

  @Test
  void smallSplitsReadEveryRowGroupOnce() throws IOException {
    spark.conf().set("spark.sql.files.maxPartitionBytes", "64k");
    spark.conf().set("spark.sql.files.openCostInBytes", "1k");
    try {
      Dataset<Row> homi = spark.read().format("homi").load(dir.toString());
      Dataset<Row> parquet = spark.read().parquet(dir.toString());
      int homiTasks = homi.rdd().getNumPartitions();
      assertThat(homiTasks).isEqualTo(parquet.rdd().getNumPartitions()).isGreaterThan(4);
      assertThat(homi.collectAsList()).hasSize(120_000);
      Map<String, Long> m = MetricsIT.scanMetrics(homi);
      assertThat(m.get("homiRowGroupsRead")).isEqualTo((long) MetricsIT.countRowGroups(dir));
      assertThat(m.get("homiRowsDecoded")).isEqualTo(120_000L);
      assertThat(homi.orderBy("id").collectAsList())
          .containsExactlyElementsOf(parquet.orderBy("id").collectAsList());
    } finally {
      spark.conf().unset("spark.sql.files.maxPartitionBytes");
      spark.conf().unset("spark.sql.files.openCostInBytes");
    }
  }

  @Test
  void largeSplitsPackFilesTogether() {
    spark.conf().set("spark.sql.files.maxPartitionBytes", "128m");
    spark.conf().set("spark.sql.files.minPartitionNum", "1");
    try {
      Dataset<Row> homi = spark.read().format("homi").load(dir.toString());
      assertThat(homi.rdd().getNumPartitions())
          .isEqualTo(spark.read().parquet(dir.toString()).rdd().getNumPartitions())
          .isEqualTo(1);
      assertThat(homi.count()).isEqualTo(120_000);
    } finally {
      spark.conf().unset("spark.sql.files.maxPartitionBytes");
      spark.conf().unset("spark.sql.files.minPartitionNum");
    }
  }

  @Test
  void statisticsComeFromFooters() throws IOException {
    Dataset<Row> homi = spark.read().format("homi").load(dir.toString());
    var stats = homi.queryExecution().optimizedPlan().collectLeaves().head();
    assertThat(stats).isInstanceOf(DataSourceV2ScanRelation.class);
    var s = stats.stats();
    assertThat(s.rowCount().get().longValue()).isEqualTo(120_000L);
    assertThat(s.sizeInBytes().longValue()).isEqualTo(MetricsIT.totalSize(dir));
  }
}
