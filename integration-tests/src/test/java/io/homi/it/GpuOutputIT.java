package io.homi.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.homi.runtime.gpu.GpuProbe;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code homi.output=gpu} and {@code gpu-or-host} on a machine without a usable GPU (CI): the
 * strict option fails naming GpuProbe's reason, the lenient one reads on the host, says so in the
 * scan's description (the same text as its INFO line) and metrics, and equals format("parquet"). On
 * a GPU machine these tests are skipped: GpuSparkIT (tagged {@code gpu}) proves the GPU side.
 */
class GpuOutputIT extends SparkTestBase {
  private static Path dir;

  @BeforeAll
  static void data() throws IOException {
    dir = freshDir("gpu-output");
    // Types the GPU kernels decode and types they refuse (decimal, timestamp), nulls, a partition
    // column, several row groups per file.
    spark
        .range(0, 60_000, 1, 2)
        .selectExpr(
            "id",
            "CAST(id % 100 AS INT) AS i",
            "CAST(id AS DOUBLE) / 3 AS d",
            "IF(id % 11 = 0, NULL, concat('s', CAST(id % 1000 AS STRING))) AS s",
            "id % 2 = 0 AS b",
            "date_add(DATE'2020-01-01', CAST(id % 400 AS INT)) AS dt",
            "CAST(id AS DECIMAL(18, 2)) AS dec",
            "timestamp_seconds(id) AS ts",
            "CAST(id % 100 AS TINYINT) AS i8",
            "CAST(id % 3000 AS SMALLINT) AS i16",
            "IF(id % 5 = 0, NULL, CAST(id AS FLOAT) / 7) AS f",
            "encode(concat('b', CAST(id % 77 AS STRING)), 'UTF-8') AS bin",
            "CAST(id % 3 AS INT) AS part")
        .write()
        .partitionBy("part")
        .option("parquet.block.size", 256 * 1024)
        .parquet(dir.toString());
  }

  private static void assumeNoGpu() {
    assumeThat(GpuProbe.probe().usable())
        .as("these tests cover machines without a usable GPU")
        .isFalse();
  }

  @Test
  void gpuFailsNamingTheProbeReason() {
    assumeNoGpu();
    String reason = GpuProbe.probe().reason();
    assertThatThrownBy(
            () ->
                spark
                    .read()
                    .format("homi")
                    .option("homi.output", "gpu")
                    .load(dir.toString())
                    .count())
        .satisfies(
            t ->
                assertThat(messages(t))
                    .contains("homi.output=gpu: no usable GPU: " + reason)
                    .contains("homi.output=gpu-or-host"));
  }

  @Test
  void gpuOrHostFallsBackToHostAndSaysSo() throws IOException {
    assumeNoGpu();
    Dataset<Row> homi =
        spark.read().format("homi").option("homi.output", "gpu-or-host").load(dir.toString());
    Dataset<Row> parquet = spark.read().format("parquet").load(dir.toString());
    assertThat(homi.schema()).isEqualTo(parquet.schema());
    List<List<Object>> expected = ConformanceIT.canonical(parquet.orderBy("id").collectAsList());
    List<List<Object>> actual = ConformanceIT.canonical(homi.orderBy("id").collectAsList());
    assertThat(actual).hasSize(60_000).containsExactlyElementsOf(expected);

    assertThat(homi.queryExecution().executedPlan().toString())
        .contains("output=gpu-or-host: host (no usable GPU: " + GpuProbe.probe().reason() + ")");
    Dataset<Row> scan =
        spark.read().format("homi").option("homi.output", "gpu-or-host").load(dir.toString());
    assertThat(scan.collectAsList()).hasSize(60_000);
    Map<String, Long> m = MetricsIT.scanMetrics(scan);
    int rowGroups = MetricsIT.countRowGroups(dir);
    assertThat(rowGroups).isGreaterThan(3);
    assertThat(m.get("homiHostFallbackRowGroups")).isEqualTo((long) rowGroups);
    assertThat(m.get("homiRowGroupsRead")).isEqualTo((long) rowGroups);
    assertThat(
            m.get("homiGpuRowGroups")
                + m.get("homiGpuRefusedRowGroups")
                + m.get("homiGpuStagedBytes")
                + m.get("homiGpuPinnedRowGroups"))
        .isZero();
    assertThat(m.get("homiRowsDecoded")).isEqualTo(60_000L);
  }

  @Test
  void hostOutputReportsNoGpuWork() throws IOException {
    Dataset<Row> scan = spark.read().format("homi").load(dir.toString());
    assertThat(scan.collectAsList()).hasSize(60_000);
    assertThat(scan.queryExecution().executedPlan().toString()).contains("output=host");
    Map<String, Long> m = MetricsIT.scanMetrics(scan);
    assertThat(
            m.get("homiHostFallbackRowGroups")
                + m.get("homiGpuRowGroups")
                + m.get("homiGpuRefusedRowGroups"))
        .isZero();
  }
}
