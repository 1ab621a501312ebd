package io.homi.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.homi.runtime.HomiRuntime;
import io.homi.runtime.settings.HomiSettings;
import io.homi.runtime.settings.JvmSettings;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A real Spark standalone cluster ({@link StandaloneCluster}: a Master and two Workers, each its
 * own JVM started from the test classpath; each Worker launches one executor JVM) with the driver
 * in this JVM against {@code spark://127.0.0.1:port}. A Hive-partitioned dataset read with
 * format("homi") gives the same answer as format("parquet"); the executors are other processes than
 * the driver, the Master and the Workers, and each has its own embedded HOMI runtime that served
 * the scan's reads. Every process is killed at the end, and a failure prints their logs.
 */
@Timeout(value = 480, unit = TimeUnit.SECONDS)
class StandaloneClusterIT {
  private static final long START_TIMEOUT_S = 120;
  private static StandaloneCluster cluster;
  private static SparkSession spark;
  private static Path dir;

  /** What one executor JVM reports about itself. */
  record ExecutorJvm(long pid, String executorId, long runtimeBytesRead, String settings)
      implements Serializable {}

  @BeforeAll
  static void startCluster() throws Exception {
    Path work = Files.createDirectories(Path.of("target", "standalone-cluster").toAbsolutePath());
    cluster = StandaloneCluster.start(work, 2, 1024, START_TIMEOUT_S);
    try {
      spark =
          SparkSession.builder()
              .master(cluster.masterUrl())
              .appName("homi-standalone-it")
              .config("spark.driver.host", "127.0.0.1")
              .config("spark.driver.bindAddress", "127.0.0.1")
              .config("spark.executor.extraClassPath", System.getProperty("java.class.path"))
              // Per-JVM settings reach each executor's runtime: from the Spark conf, from -D, and
              // the Spark conf
              // over -D where both are given (executorsInTheirOwnJvmsReadLikeParquet checks them).
              .config(
                  "spark.executor.extraJavaOptions",
                  String.join(" ", StandaloneCluster.moduleFlags())
                      + " -Dhomi.stallTimeoutMs=60000 -Dhomi.gpuWorkers=3")
              .config("spark.homi.stallTimeoutMs", "90000")
              .config("spark.homi.footerCacheFiles", "77")
              .config("spark.executor.memory", "512m")
              .config("spark.executor.cores", "1")
              .config("spark.cores.max", "2")
              .config("spark.ui.enabled", "false")
              .config("spark.sql.shuffle.partitions", "2")
              .config("spark.sql.session.timeZone", "UTC")
              .config(
                  "spark.sql.files.maxPartitionBytes",
                  "64k") // several tasks, so that both executors read
              .config("spark.network.timeout", "60s")
              .getOrCreate();
      awaitExecutors(2);
      dir =
          Files.createDirectories(Path.of("target", "it-data"))
              .toAbsolutePath()
              .resolve("standalone");
      spark
          .range(0, 40_000, 1, 4)
          .selectExpr(
              "id", "concat('s', CAST(id % 101 AS STRING)) AS s", "CAST(id % 3 AS INT) AS part")
          .write()
          .mode("overwrite")
          .partitionBy("part")
          .parquet(dir.toString());
    } catch (Throwable t) {
      System.err.println("standalone cluster failed to start a session:\n" + cluster.logs());
      stopCluster();
      throw t;
    }
  }

  @AfterAll
  static void stopCluster() {
    try {
      if (spark != null) spark.stop();
    } finally {
      spark = null;
      if (cluster != null) cluster.close();
      cluster = null;
    }
  }

  @Test
  void executorsInTheirOwnJvmsReadLikeParquet() {
    try {
      Dataset<Row> homi =
          spark.read().format("homi").load(dir.toString()).where("id % 7 = 1 OR part = 2");
      Dataset<Row> parquet = spark.read().parquet(dir.toString()).where("id % 7 = 1 OR part = 2");
      assertThat(homi.schema()).isEqualTo(parquet.schema());
      List<Row> expected = parquet.orderBy("id").collectAsList();
      assertThat(expected).hasSizeGreaterThan(10_000);
      assertThat(homi.orderBy("id").collectAsList()).containsExactlyElementsOf(expected);
      assertThat(
              spark
                  .read()
                  .format("homi")
                  .load(dir.toString())
                  .groupBy("part")
                  .count()
                  .orderBy("part")
                  .collectAsList())
          .isEqualTo(
              spark
                  .read()
                  .parquet(dir.toString())
                  .groupBy("part")
                  .count()
                  .orderBy("part")
                  .collectAsList());

      List<ExecutorJvm> jvms = executorJvms();
      System.out.println(
          "standalone: driver pid "
              + ProcessHandle.current().pid()
              + ", master/worker pids "
              + cluster.daemonPids()
              + ", executors "
              + jvms);
      assertThat(jvms).extracting(ExecutorJvm::executorId).doesNotContain("driver").hasSize(2);
      assertThat(jvms)
          .extracting(ExecutorJvm::pid)
          .doesNotHaveDuplicates()
          .doesNotContain(ProcessHandle.current().pid())
          .doesNotContainAnyElementsOf(cluster.daemonPids());
      // Each executor's own HOMI runtime read file bytes for the scans (the driver's only planned
      // them).
      assertThat(jvms)
          .allSatisfy(
              j ->
                  assertThat(j.runtimeBytesRead())
                      .as("bytes read by executor %s's runtime", j.executorId())
                      .isPositive());
      // Each executor's runtime started with the per-JVM settings of the Spark conf and its -D
      // properties.
      assertThat(jvms)
          .allSatisfy(
              j ->
                  assertThat(j.settings())
                      .as("settings of executor %s's runtime", j.executorId())
                      .isEqualTo(
                          "homi.stallTimeoutMs=90000 (spark.homi.stallTimeoutMs), homi.footerCacheFiles=77"
                              + " (spark.homi.footerCacheFiles), homi.gpuWorkers=3 (-Dhomi.gpuWorkers), homi.uring=true (default)"));
    } catch (Throwable t) {
      System.err.println("standalone cluster logs:\n" + cluster.logs());
      throw t;
    }
  }

  /** One report per executor JVM: many small tasks, deduplicated by PID. */
  private static List<ExecutorJvm> executorJvms() {
    List<ExecutorJvm> all =
        new JavaSparkContext(spark.sparkContext())
            .parallelize(List.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12), 12)
            .mapPartitions(
                (Iterator<Integer> it) -> {
                  Thread.sleep(
                      200); // keep each executor's single core busy a while, so that both take
                  // tasks
                  HomiRuntime rt = HomiRuntime.get();
                  return List.of(
                          new ExecutorJvm(
                              ProcessHandle.current().pid(),
                              org.apache.spark.SparkEnv.get().executorId(),
                              rt.stats().snapshot().totalBytes(),
                              settings(rt.settings())))
                      .iterator();
                })
            .collect();
    TreeMap<Long, ExecutorJvm> byPid = new TreeMap<>();
    for (ExecutorJvm j : all)
      byPid.merge(j.pid(), j, (a, b) -> a.runtimeBytesRead() >= b.runtimeBytesRead() ? a : b);
    return List.copyOf(byPid.values());
  }

  private static String settings(JvmSettings s) {
    return Stream.of(
            HomiSettings.STALL_TIMEOUT_MS,
            HomiSettings.FOOTER_CACHE_FILES,
            HomiSettings.GPU_WORKERS,
            HomiSettings.URING)
        .map(k -> k.key() + "=" + s.get(k) + " (" + s.source(k) + ")")
        .collect(Collectors.joining(", "));
  }

  /**
   * Waits until {@code n} executors have registered with the driver (the status tracker counts the
   * driver too).
   */
  private static void awaitExecutors(int n) throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(START_TIMEOUT_S);
    while (spark.sparkContext().statusTracker().getExecutorInfos().length < n + 1) {
      if (System.nanoTime() > end) {
        throw new IllegalStateException(
            n
                + " executors did not register within "
                + START_TIMEOUT_S
                + " s; Master: "
                + cluster.masterJson()
                + "\n"
                + cluster.logs());
      }
      Thread.sleep(250);
    }
  }
}
