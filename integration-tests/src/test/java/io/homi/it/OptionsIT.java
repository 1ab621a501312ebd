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
    // homi.output=gpu / gpu-or-host themselves: GpuOutputIT.
    assertThatThrownBy(() -> spark.read().format("homi").option("homi.output", "tpu").load(dir.toString()).count())
        .satisfies(t -> assertThat(messages(t)).contains("homi.output must be host, arrow, gpu or gpu-or-host"));
    // The gpu path is a destination in GPU memory: refused by the CPU-decoding reader, with or without a GPU.
    assertThatThrownBy(() -> spark.read().format("homi").option("homi.path", "gpu").load(dir.toString()).count())
        .satisfies(t -> assertThat(messages(t)).contains("homi.path=gpu reads into GPU memory"));
  }

  @Test
  void devicePathReadsByLbaOrFailsNamingTheFile() {
    // Root in a sandbox may still be refused the block device: then the error names file and reason.
    try {
      long n = spark.read().format("homi").option("homi.path", "device").load(dir.toString()).count();
      assertThat(n).isEqualTo(20_000L);
    } catch (Exception e) {
      assertThat(messages(e)).contains("homi.path=device cannot read").contains(dir.toString());
    }
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
