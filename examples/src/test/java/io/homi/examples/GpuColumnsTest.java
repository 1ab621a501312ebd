package io.homi.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.homi.runtime.HomiRuntime;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * {@code bin/example gpu} where no GPU is usable: it says why and exits 0 before touching any file
 * or starting Spark (the file given here does not exist). Where a GPU is usable the test is
 * skipped: the example then decodes and checks itself against the CPU decoder.
 */
class GpuColumnsTest {
  @Test
  void withoutAGpuItSaysWhyAndExitsZero() throws Exception {
    String reason = HomiRuntime.get().gpuUnavailable();
    assumeTrue(reason != null, "a GPU is usable here: run bin/example gpu");
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    int rc =
        GpuColumns.run(
            new String[] {"target/no-such-file.parquet"},
            new PrintStream(buf, true, StandardCharsets.UTF_8));
    String printed = buf.toString(StandardCharsets.UTF_8);
    assertThat(rc).isZero();
    assertThat(printed)
        .startsWith("GPU columns: skipped: no usable GPU: ")
        .contains(reason)
        .contains("bin/homi doctor");
  }
}
