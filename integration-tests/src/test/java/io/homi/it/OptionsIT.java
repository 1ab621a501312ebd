package io.homi.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Options fail at planning with the option's name; valid ones change nothing in the answer. */
class OptionsIT extends SparkTestBase {
  private static Path dir;

  @BeforeAll
  static void data() throws IOException {
    dir = freshDir("options");
    spark.range(0, 20_000, 1, 1).selectExpr("id", "id % 7 AS k").write().parquet(dir.toString());
  }

  @Test
  void gpuOutputFailsClearly() {
    // homi.output=gpu / gpu-or-host themselves: GpuOutputIT.
    assertThatThrownBy(
            () ->
                spark
                    .read()
                    .format("homi")
                    .option("homi.output", "tpu")
                    .load(dir.toString())
                    .count())
        .satisfies(
            t ->
                assertThat(messages(t))
                    .contains(
                        "homi.output must be one of host, arrow, gpu, gpu-or-host: got 'tpu'"));
    // The gpu path is a destination in GPU memory: refused by the CPU-decoding reader, with or
    // without a GPU.
    assertThatThrownBy(
            () ->
                spark.read().format("homi").option("homi.path", "gpu").load(dir.toString()).count())
        .satisfies(t -> assertThat(messages(t)).contains("homi.path=gpu reads into GPU memory"));
  }

  @Test
  void devicePathReadsByLbaOrFailsNamingTheFile() {
    // Root in a sandbox may still be refused the block device: then the error names file and
    // reason.
    try {
      long n =
          spark
              .read()
              .format("homi")
              .option("homi.path", "device")
              .option("homi.aggregatePushdown", "off") // read the rows, not only the footers
              .load(dir.toString())
              .count();
      assertThat(n).isEqualTo(20_000L);
    } catch (Exception e) {
      assertThat(messages(e)).contains("homi.path=device cannot read").contains(dir.toString());
    }
  }

  @Test
  void badValuesNameTheOption() {
    assertThatThrownBy(
            () ->
                spark
                    .read()
                    .format("homi")
                    .option("homi.queueDepth", "1")
                    .load(dir.toString())
                    .count())
        .satisfies(t -> assertThat(messages(t)).contains("homi.queueDepth"));
    assertThatThrownBy(
            () ->
                spark
                    .read()
                    .format("homi")
                    .option("homi.batchRows", "lots")
                    .load(dir.toString())
                    .count())
        .satisfies(t -> assertThat(messages(t)).contains("homi.batchRows"));
  }

  /** The settings a scan planned with, as its plan node shows them. */
  private static String scanSettings(Dataset<Row> df) {
    String plan = df.queryExecution().executedPlan().toString();
    int at = plan.indexOf("HomiScan");
    assertThat(at).as("a HomiScan in %s", plan).isNotNegative();
    return plan.substring(at);
  }

  @Test
  void optionBeatsSessionConfBeatsDriverPropertyBeatsDefault() {
    long expected =
        spark.read().parquet(dir.toString()).selectExpr("sum(id * k)").first().getLong(0);
    try {
      assertThat(scanSettings(spark.read().format("homi").load(dir.toString())))
          .contains("batchRows=4096");
      System.setProperty("homi.batchRows", "2000");
      assertThat(scanSettings(spark.read().format("homi").load(dir.toString())))
          .contains("batchRows=2000");
      spark.conf().set("spark.homi.batchRows", "1000");
      spark.conf().set("spark.homi.queueDepth", "8");
      Dataset<Row> session = spark.read().format("homi").load(dir.toString());
      assertThat(scanSettings(session)).contains("batchRows=1000", "queueDepth=8");
      assertThat(session.selectExpr("sum(id * k)").first().getLong(0)).isEqualTo(expected);
      Dataset<Row> option =
          spark.read().format("homi").option("homi.batchRows", "333").load(dir.toString());
      assertThat(scanSettings(option)).contains("batchRows=333", "queueDepth=8");
      assertThat(option.selectExpr("sum(id * k)").first().getLong(0)).isEqualTo(expected);

      // A bad session value fails naming it, unless the read option overrides it.
      spark.conf().set("spark.homi.queueDepth", "1");
      assertThatThrownBy(() -> spark.read().format("homi").load(dir.toString()).count())
          .satisfies(
              t ->
                  assertThat(messages(t))
                      .contains("homi.queueDepth must be in [2, 4096]: got '1'"));
      assertThat(
              spark
                  .read()
                  .format("homi")
                  .option("homi.queueDepth", "4")
                  .load(dir.toString())
                  .count())
          .isEqualTo(20_000L);
    } finally {
      System.clearProperty("homi.batchRows");
      spark.conf().unset("spark.homi.batchRows");
      spark.conf().unset("spark.homi.queueDepth");
    }
    assertThat(scanSettings(spark.read().format("homi").load(dir.toString())))
        .contains("batchRows=4096", "queueDepth=64");
  }

  @Test
  void readOptionsThatAreNoScanSettingFailNamingWhatToDo() {
    assertThatThrownBy(
            () ->
                spark
                    .read()
                    .format("homi")
                    .option("homi.ioThreads", "4")
                    .load(dir.toString())
                    .count())
        .satisfies(
            t ->
                assertThat(messages(t))
                    .contains(
                        "homi.ioThreads is a per-JVM setting, not a read option: set"
                            + " spark.homi.ioThreads in the Spark conf"));
    assertThatThrownBy(
            () ->
                spark
                    .read()
                    .format("homi")
                    .option("homi.batchRow", "4")
                    .load(dir.toString())
                    .count())
        .satisfies(
            t ->
                assertThat(messages(t))
                    .contains("unknown option homi.batchRow; the homi.* options are"));
  }

  @Test
  void deprecatedTaskSizeStillSetsMaxCommandBytes() {
    long expected =
        spark.read().parquet(dir.toString()).selectExpr("sum(id * k)").first().getLong(0);
    Dataset<Row> old =
        spark.read().format("homi").option("homi.taskSize", "64k").load(dir.toString());
    assertThat(scanSettings(old)).contains("maxCommandBytes=65536").doesNotContain("taskSize");
    assertThat(old.selectExpr("sum(id * k)").first().getLong(0)).isEqualTo(expected);
    // The new name in a read option beats the old one in the session conf, as any option does.
    try {
      spark.conf().set("spark.homi.taskSize", "64k");
      assertThat(
              scanSettings(
                  spark
                      .read()
                      .format("homi")
                      .option("homi.maxCommandBytes", "128k")
                      .load(dir.toString())))
          .contains("maxCommandBytes=131072");
    } finally {
      spark.conf().unset("spark.homi.taskSize");
    }
    // Both names in one place with different values: which was meant cannot be guessed.
    assertThatThrownBy(
            () ->
                spark
                    .read()
                    .format("homi")
                    .option("homi.taskSize", "64k")
                    .option("homi.maxCommandBytes", "1m")
                    .load(dir.toString())
                    .count())
        .satisfies(
            t ->
                assertThat(messages(t))
                    .contains(
                        "homi.maxCommandBytes and its deprecated name homi.taskSize are both set,"
                            + " to '1m' and '64k': set only homi.maxCommandBytes"));
  }

  @Test
  void tuningOptionsKeepTheAnswer() {
    long expected =
        spark.read().parquet(dir.toString()).selectExpr("sum(id * k)").first().getLong(0);
    long actual =
        spark
            .read()
            .format("homi")
            .option("homi.output", "host")
            .option("homi.batchRows", "333")
            .option("homi.queueDepth", "4")
            .option("homi.maxCommandBytes", "64k")
            .option("homi.coalesceGap", "0")
            .load(dir.toString())
            .selectExpr("sum(id * k)")
            .first()
            .getLong(0);
    assertThat(actual).isEqualTo(expected);
  }
}
