package io.homi.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.homi.runtime.gpu.GpuProbe;
import java.io.IOException;
import java.nio.file.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A session whose executors are given GPUs by Spark ({@code spark.executor.resource.gpu.amount=1}):
 * the driver (which often has no GPU) plans {@code homi.output=gpu} without judging the executors
 * by its own GPU, and an executor without a usable GPU fails the task itself, naming the reason,
 * the executor and the GPU it was to use. Runs where no GPU is usable (CI).
 */
class GpuExecutorIT {
  private static SparkSession spark;
  private static Path dir;

  @BeforeAll
  static void start() throws IOException {
    SparkSession.getActiveSession()
        .foreach(
            s -> {
              s.stop();
              return null;
            });
    spark =
        SparkSession.builder()
            .master("local[2]")
            .appName("homi-gpu-executor-it")
            .config("spark.ui.enabled", "false")
            .config("spark.executor.resource.gpu.amount", "1")
            .getOrCreate();
    dir =
        java.nio.file.Files.createDirectories(Path.of("target", "it-data"))
            .toAbsolutePath()
            .resolve("gpu-executor");
    spark
        .range(0, 1000, 1, 1)
        .selectExpr("id", "CAST(id % 10 AS INT) AS k")
        .write()
        .mode("overwrite")
        .parquet(dir.toString());
  }

  @AfterAll
  static void stop() {
    if (spark != null) spark.stop();
  }

  @Test
  void anExecutorWithoutAUsableGpuFailsTheTaskSayingWhy() {
    assumeThat(GpuProbe.probe().usable()).as("needs a machine without a usable GPU").isFalse();
    Dataset<Row> df = spark.read().format("homi").option("homi.output", "gpu").load(dir.toString());
    // planned: the driver leaves the GPU to the executors
    assertThat(df.queryExecution().executedPlan().toString())
        .contains("output=gpu (each task on its Spark-assigned GPU)");
    assertThatThrownBy(df::collectAsList)
        .satisfies(
            t ->
                assertThat(SparkTestBase.messages(t))
                    .contains("homi.output=gpu: no usable GPU: " + GpuProbe.probe().reason())
                    .contains("(executor driver, GPU 0 (device 0, no Spark gpu resource))")
                    .contains("homi.output=gpu-or-host"));
    // gpu-or-host on the same executor: host batches, equal to Spark's reader
    Dataset<Row> lenient =
        spark.read().format("homi").option("homi.output", "gpu-or-host").load(dir.toString());
    assertThat(lenient.orderBy("id").collectAsList())
        .isEqualTo(
            spark.read().format("parquet").load(dir.toString()).orderBy("id").collectAsList());
  }
}
