package io.homi.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.execution.SparkPlan;
import org.apache.spark.sql.execution.adaptive.AdaptiveSparkPlanExec;
import org.apache.spark.sql.execution.datasources.v2.BatchScanExec;
import org.apache.spark.sql.execution.metric.SQLMetric;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Per-task metrics on the scan node, summed by Spark, against what the data implies: every row
 * decoded once, bytes on the forced path only, every row group read once.
 */
class MetricsIT extends SparkTestBase {
  @ParameterizedTest(name = "homi.path={0}")
  @ValueSource(strings = {"os", "direct"})
  void bytesLandOnTheForcedPathAndRowsAreCountedOnce(String path) throws IOException {
    Path dir = freshDir("metrics-" + path);
    spark
        .range(0, 50_000, 1, 2)
        .selectExpr("id", "concat('v', CAST(id AS STRING)) AS s")
        .write()
        .option("parquet.block.size", 128 * 1024)
        .parquet(dir.toString());
    Dataset<Row> df = spark.read().format("homi").option("homi.path", path).load(dir.toString());
    assertThat(df.collectAsList()).hasSize(50_000);
    Map<String, Long> m = scanMetrics(df);
    assertThat(m.get("homiRowsDecoded")).isEqualTo(50_000L);
    long expected = path.equals("os") ? m.get("homiBytesOs") : m.get("homiBytesDirect");
    long other = path.equals("os") ? m.get("homiBytesDirect") : m.get("homiBytesOs");
    assertThat(expected).as("bytes on the forced path").isGreaterThan(totalSize(dir) / 2);
    assertThat(other + m.get("homiBytesDevice") + m.get("homiBytesGpu")).isZero();
    assertThat(m.get("homiCommands")).isPositive();
    assertThat(m.get("homiRefusedCommands")).isZero();
    assertThat(m.get("homiRowGroupsRead")).isEqualTo((long) countRowGroups(dir));
    assertThat(m.get("homiRowGroupsPruned")).isZero();
  }

  /** The summed values of the homi scan's custom metrics after the dataset has run. */
  static Map<String, Long> scanMetrics(Dataset<Row> df) {
    SparkPlan plan = df.queryExecution().executedPlan();
    if (plan instanceof AdaptiveSparkPlanExec a) plan = a.executedPlan();
    List<SparkPlan> scans =
        CollectionConverters.asJava(
            plan.collect(
                new scala.PartialFunction<SparkPlan, SparkPlan>() {
                  @Override
                  public boolean isDefinedAt(SparkPlan p) {
                    return p instanceof BatchScanExec;
                  }

                  @Override
                  public SparkPlan apply(SparkPlan p) {
                    return p;
                  }
                }));
    assertThat(scans).as("one homi scan in " + plan).hasSize(1);
    Map<String, Long> out = new HashMap<>();
    for (Map.Entry<String, SQLMetric> e :
        CollectionConverters.asJava(scans.get(0).metrics()).entrySet()) {
      out.put(e.getKey(), e.getValue().value());
    }
    return out;
  }

  static long totalSize(Path dir) throws IOException {
    try (var s = java.nio.file.Files.walk(dir)) {
      return s.filter(p -> p.toString().endsWith(".parquet"))
          .mapToLong(p -> p.toFile().length())
          .sum();
    }
  }

  static int countRowGroups(Path dir) throws IOException {
    int n = 0;
    try (var s = java.nio.file.Files.walk(dir)) {
      for (Path p : s.filter(f -> f.toString().endsWith(".parquet")).toList()) {
        try (var r =
            io.homi.runtime.parquet.ParquetFileReader.open(
                io.homi.runtime.HomiRuntime.get(), p, io.homi.runtime.HomiConfig.defaults())) {
          n += r.rowGroupCount();
        }
      }
    }
    return n;
  }
}
