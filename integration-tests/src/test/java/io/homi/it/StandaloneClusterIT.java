package io.homi.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A standalone cluster (Spark's local-cluster: a real Master and two Workers, each executor in
 * its own JVM launched by its Worker with the test classpath) reads a partitioned dataset with
 * format("homi"): every executor embeds its own HOMI runtime, and the answer equals
 * format("parquet"). Stopping the SparkContext stops the Workers and kills their executors.
 */
@Timeout(120)
class StandaloneClusterIT {
  private static SparkSession spark;
  private static Path dir;

  @BeforeAll
  static void startCluster() throws IOException {
    // The Workers build executor command lines with Spark's launcher, which only needs a Spark
    // home with jars when not testing; the executors get this JVM's classpath and module flags.
    Path home = Files.createDirectories(Path.of("target", "spark-home")).toAbsolutePath();
    // The launcher takes the Scala version from a Spark build tree when testing.
    Files.createDirectories(home.resolve("launcher/target/scala-2.13"));
    Files.createDirectories(home.resolve("assembly/target/scala-2.13/jars")); // empty: the classpath is ours
    System.setProperty("spark.testing", "true");
    System.setProperty("spark.test.home", home.toString());
    String flags = ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
        .filter(a -> a.startsWith("--add-") || a.startsWith("-XX:+IgnoreUnrecognizedVMOptions")
            || a.startsWith("-Djdk.reflect") || a.startsWith("-Dio.netty"))
        .collect(Collectors.joining(" "));
    spark = SparkSession.builder()
        .master("local-cluster[2,1,1024]")
        .appName("homi-standalone-it")
        .config("spark.home", home.toString())
        .config("spark.executor.extraClassPath", System.getProperty("java.class.path"))
        .config("spark.executor.extraJavaOptions", flags)
        .config("spark.executor.memory", "512m")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate();
    dir = Files.createDirectories(Path.of("target", "it-data")).toAbsolutePath().resolve("standalone");
    spark.range(0, 40_000, 1, 4).selectExpr("id", "concat('s', CAST(id % 101 AS STRING)) AS s",
        "CAST(id % 3 AS INT) AS part").write().mode("overwrite").partitionBy("part").parquet(dir.toString());
  }

  @AfterAll
  static void stopCluster() {
    if (spark != null) spark.stop();
    spark = null;
    System.clearProperty("spark.testing");
    System.clearProperty("spark.test.home");
  }

  @Test
  void executorsInTheirOwnJvmsReadLikeParquet() {
    long driverPid = ProcessHandle.current().pid();
    List<Long> pids = new JavaSparkContext(spark.sparkContext()).parallelize(List.of(1, 2, 3, 4, 5, 6, 7, 8), 8)
        .map(i -> ProcessHandle.current().pid()).distinct().collect();
    assertThat(pids).doesNotContain(driverPid).hasSize(2);

    Dataset<Row> homi = spark.read().format("homi").load(dir.toString()).where("id % 7 = 1 OR part = 2");
    Dataset<Row> parquet = spark.read().parquet(dir.toString()).where("id % 7 = 1 OR part = 2");
    assertThat(homi.schema()).isEqualTo(parquet.schema());
    List<Row> expected = parquet.orderBy("id").collectAsList();
    assertThat(expected).hasSizeGreaterThan(10_000);
    assertThat(homi.orderBy("id").collectAsList()).containsExactlyElementsOf(expected);
    assertThat(spark.read().format("homi").load(dir.toString()).groupBy("part").count().orderBy("part").collectAsList())
        .isEqualTo(parquet.sparkSession().read().parquet(dir.toString()).groupBy("part").count().orderBy("part")
            .collectAsList());
  }
}
