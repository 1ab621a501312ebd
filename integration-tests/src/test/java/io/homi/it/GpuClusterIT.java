package io.homi.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.homi.runtime.gpu.GpuProbe;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Spark's GPU scheduling end to end: a standalone Worker with one GPU found by a discovery script,
 * an executor given it ({@code spark.executor.resource.gpu.amount=1}), tasks sharing it ({@code
 * spark.task.resource.gpu.amount=0.5}); each task's homi scan uses the GPU Spark assigned ({@code
 * Spark task resource gpu=[0]} in the executor's log) and equals format("parquet"). On a GPU
 * machine the script is scripts/gpu-discovery.sh (nvidia-smi) and the row groups decode on that
 * GPU; elsewhere a stand-in script hands out address 0 and the executor, finding no usable GPU,
 * fails {@code gpu} naming the GPU it was given, or reads on the host under {@code gpu-or-host}.
 * Tagged {@code gpu} so that the device run includes it; it runs (without a GPU) in every build.
 */
@Tag("gpu")
@Timeout(value = 480, unit = TimeUnit.SECONDS)
class GpuClusterIT {
  private static StandaloneCluster cluster;
  private static SparkSession spark;
  private static Path dir;
  private static Path work;
  private static final boolean GPU = GpuProbe.probe().usable();

  @BeforeAll
  static void start() throws Exception {
    if (!GPU && Boolean.getBoolean("homi.test.requireGpu")) {
      throw new IllegalStateException(
          "homi.test.requireGpu=true but no usable GPU: " + GpuProbe.probe().reason());
    }
    SparkSession.getActiveSession()
        .foreach(
            s -> {
              s.stop();
              return null;
            });
    work = Files.createDirectories(Path.of("target", "gpu-cluster").toAbsolutePath());
    Path script;
    if (GPU) {
      script = Path.of("..", "scripts", "gpu-discovery.sh").toAbsolutePath().normalize();
      if (!Files.exists(script)) script = Path.of("scripts", "gpu-discovery.sh").toAbsolutePath();
    } else {
      script = work.resolve("one-gpu.sh");
      Files.writeString(script, "#!/bin/sh\necho '{\"name\":\"gpu\",\"addresses\":[\"0\"]}'\n");
      Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
    cluster =
        StandaloneCluster.start(
            work,
            1,
            2,
            1536,
            120,
            Map.of(
                "spark.worker.resource.gpu.amount",
                "1",
                "spark.worker.resource.gpu.discoveryScript",
                script.toString()));
    try {
      spark =
          SparkSession.builder()
              .master(cluster.masterUrl())
              .appName("homi-gpu-cluster-it")
              .config("spark.driver.host", "127.0.0.1")
              .config("spark.driver.bindAddress", "127.0.0.1")
              .config("spark.executor.extraClassPath", System.getProperty("java.class.path"))
              .config(
                  "spark.executor.extraJavaOptions",
                  String.join(" ", StandaloneCluster.moduleFlags()))
              .config("spark.executor.memory", "1g")
              .config("spark.executor.cores", "2")
              .config("spark.cores.max", "2")
              .config("spark.executor.resource.gpu.amount", "1")
              .config("spark.task.resource.gpu.amount", "0.5")
              .config("spark.task.maxFailures", "1")
              .config("spark.ui.enabled", "false")
              .config("spark.sql.shuffle.partitions", "2")
              .config("spark.sql.files.maxPartitionBytes", "64k")
              .getOrCreate();
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (spark.sparkContext().statusTracker().getExecutorInfos().length < 2) {
        if (System.nanoTime() > end)
          throw new IllegalStateException("no executor registered\n" + cluster.logs());
        Thread.sleep(250);
      }
      dir =
          Files.createDirectories(Path.of("target", "it-data"))
              .toAbsolutePath()
              .resolve("gpu-cluster");
      spark
          .range(0, 40_000, 1, 4)
          .selectExpr(
              "id", "concat('s', CAST(id % 101 AS STRING)) AS s", "CAST(id % 3 AS INT) AS part")
          .write()
          .mode("overwrite")
          .option("parquet.block.size", 64 * 1024)
          .partitionBy("part")
          .parquet(dir.toString());
    } catch (Throwable t) {
      System.err.println("GPU cluster failed to start a session:\n" + cluster.logs());
      stop();
      throw t;
    }
  }

  @AfterAll
  static void stop() {
    try {
      if (spark != null) spark.stop();
    } finally {
      spark = null;
      if (cluster != null) cluster.close();
      cluster = null;
    }
  }

  /** Every executor's whole stderr (the cluster's logs() keeps only the last lines). */
  private static String executorLogs() throws java.io.IOException {
    StringBuilder b = new StringBuilder();
    try (java.util.stream.Stream<Path> s = Files.walk(work)) {
      for (Path p :
          s.filter(
                  f -> f.toString().contains("app-") && f.getFileName().toString().equals("stderr"))
              .toList()) {
        b.append(Files.readString(p));
      }
    }
    return b.toString();
  }

  @Test
  void eachTaskUsesTheGpuSparkAssignedIt() throws Exception {
    try {
      Dataset<Row> homi =
          spark
              .read()
              .format("homi")
              .option("homi.output", "gpu-or-host")
              .load(dir.toString())
              .where("id % 7 = 1 OR part = 2");
      Dataset<Row> parquet = spark.read().parquet(dir.toString()).where("id % 7 = 1 OR part = 2");
      List<Row> expected = parquet.orderBy("id").collectAsList();
      assertThat(expected).hasSizeGreaterThan(10_000);
      assertThat(homi.orderBy("id").collectAsList()).containsExactlyElementsOf(expected);
      assertThat(homi.queryExecution().executedPlan().toString())
          .contains("(each task on its Spark-assigned GPU)");
      Dataset<Row> scan =
          spark.read().format("homi").option("homi.output", "gpu-or-host").load(dir.toString());
      assertThat(scan.collectAsList()).hasSize(40_000);
      Map<String, Long> m = MetricsIT.scanMetrics(scan);
      long rowGroups = MetricsIT.countRowGroups(dir);
      assertThat(m.get(GPU ? "homiGpuRowGroups" : "homiHostFallbackRowGroups"))
          .isEqualTo(rowGroups);
      String logs = executorLogs();
      System.out.println(
          "GPU cluster executor lines: "
              + logs.lines().filter(l -> l.contains("GPU 0 (Spark")).toList());
      assertThat(logs)
          .contains(
              GPU
                  ? "decoding on GPU 0 (Spark task resource gpu=[0])"
                  : "GPU 0 (Spark task resource gpu=[0]))");
      if (!GPU) {
        assertThatThrownBy(
                () ->
                    spark
                        .read()
                        .format("homi")
                        .option("homi.output", "gpu")
                        // a COUNT(*) answered from footers decodes nothing: read rows instead
                        .option("homi.aggregatePushdown", "off")
                        .load(dir.toString())
                        .count())
            .satisfies(
                t ->
                    assertThat(SparkTestBase.messages(t))
                        .contains("homi.output=gpu: no usable GPU")
                        .containsPattern(
                            "\\(executor \\d+, GPU 0 \\(Spark task resource gpu=\\[0\\]\\)\\)"));
      }
    } catch (Throwable t) {
      System.err.println("GPU cluster logs:\n" + cluster.logs());
      throw t;
    }
  }
}
