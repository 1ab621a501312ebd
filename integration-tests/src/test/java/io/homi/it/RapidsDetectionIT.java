package io.homi.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A session whose {@code spark.plugins} lists {@code com.nvidia.spark.SQLPlugin} (here a stand-in
 * of that name: no GPU, no RAPIDS jar): a homi scan without {@code homi.output} reads as {@code
 * arrow} with large batches, {@code gpu} (even with no usable GPU) reads as {@code arrow} and says
 * why in the scan's description, an explicit {@code host} stays host; the rows equal
 * format("parquet").
 */
class RapidsDetectionIT {
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
            .appName("homi-rapids-detection")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "2")
            .config("spark.plugins", "com.nvidia.spark.SQLPlugin")
            .getOrCreate();
    dir =
        Files.createDirectories(Path.of("target", "it-data"))
            .toAbsolutePath()
            .resolve("rapids-detection");
    spark
        .range(0, 30_000, 1, 2)
        .selectExpr(
            "id",
            "CAST(id % 10 AS INT) AS k",
            "concat('v', CAST(id % 7 AS STRING)) AS s",
            "CAST(id % 2 AS INT) AS part")
        .write()
        .mode("overwrite")
        .partitionBy("part")
        .parquet(dir.toString());
  }

  @AfterAll
  static void stop() {
    if (spark != null) spark.stop();
    spark = null;
  }

  private static String plan(Dataset<Row> df) {
    return df.queryExecution().executedPlan().toString();
  }

  private static Dataset<Row> homi(String output) {
    var r = spark.read().format("homi");
    if (output != null) r = r.option("homi.output", output);
    return r.load(dir.toString());
  }

  @Test
  void defaultOutputIsArrowUnderRapids() {
    Dataset<Row> df = homi(null);
    assertThat(plan(df))
        .contains("output=arrow (spark.plugins has com.nvidia.spark.SQLPlugin)")
        .contains("batchRows=262144");
    assertThat(df.orderBy("id").collectAsList())
        .isEqualTo(spark.read().parquet(dir.toString()).orderBy("id").collectAsList());
  }

  @Test
  void gpuOutputReadsAsArrowUnderRapidsAndSaysSo() {
    Dataset<Row> df = homi("gpu");
    assertThat(plan(df))
        .contains("output=arrow (homi.output=gpu asked, but RAPIDS")
        .contains("no zero-copy bridge yet");
    assertThat(df.orderBy("id").collectAsList())
        .isEqualTo(spark.read().parquet(dir.toString()).orderBy("id").collectAsList());
    assertThat(plan(homi("gpu-or-host"))).contains("output=arrow (homi.output=gpu-or-host asked");
  }

  @Test
  void explicitHostStaysHost() {
    assertThat(plan(homi("host"))).contains("output=host").contains("batchRows=4096");
  }
}
