package io.homi.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
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
    assertThatThrownBy(() -> spark.read().format("homi").option("homi.output", "gpu").load(dir.toString()).count())
        .satisfies(t -> assertThat(messages(t)).contains("gpu output is not available in this build"));
    assertThatThrownBy(() -> spark.read().format("homi").option("homi.output", "tpu").load(dir.toString()).count())
        .satisfies(t -> assertThat(messages(t)).contains("homi.output must be host or gpu"));
  }

  @Test
  void badValuesNameTheOption() {
    assertThatThrownBy(() -> spark.read().format("homi").option("homi.queueDepth", "1").load(dir.toString()).count())
        .satisfies(t -> assertThat(messages(t)).contains("homi.queueDepth"));
    assertThatThrownBy(() -> spark.read().format("homi").option("homi.batchRows", "lots").load(dir.toString()).count())
        .satisfies(t -> assertThat(messages(t)).contains("homi.batchRows"));
  }

  @Test
  void tuningOptionsKeepTheAnswer() {
    long expected = spark.read().parquet(dir.toString()).selectExpr("sum(id * k)").first().getLong(0);
    long actual = spark.read().format("homi").option("homi.output", "host").option("homi.batchRows", "333")
        .option("homi.queueDepth", "4").option("homi.taskSize", "64k").option("homi.coalesceGap", "0")
        .load(dir.toString()).selectExpr("sum(id * k)").first().getLong(0);
    assertThat(actual).isEqualTo(expected);
  }
}
