package io.homi.runtime.gpu.decode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The reflective bridge to cuDF Java: clear errors without it; with the RAPIDS Accelerator jar at
 * hand ($HOMI_RAPIDS_JAR, else the cache scripts/rapids/pack.sh fills), every handle resolves and
 * nothing native runs until {@code init} (which needs a GPU: the device run's part).
 */
class CudfReaderTest {
  @Test
  void missingJarIsNamed() {
    assertThatThrownBy(() -> CudfReader.load(Path.of("/nonexistent/rapids.jar")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("/nonexistent/rapids.jar");
  }

  @Test
  void classpathWithoutCudfSaysWhatToAdd() {
    assertThatThrownBy(() -> CudfReader.load(null))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("ai.rapids.cudf.Table")
        .hasMessageContaining("--cudf-jar");
  }

  @Test
  void everyHandleResolvesAgainstTheRapidsJar() {
    String env = System.getenv("HOMI_RAPIDS_JAR");
    Path jar =
        Path.of(env != null ? env : "/var/tmp/homi-rapids/rapids-4-spark_2.13-26.08.1-cuda13.jar");
    Assumptions.assumeTrue(
        Files.isRegularFile(jar), "no RAPIDS jar at " + jar + " (set HOMI_RAPIDS_JAR)");
    CudfReader r = CudfReader.load(jar);
    assertThat(r.origin()).isEqualTo(jar.toString());
    assertThat(r.version()).matches("\\d+\\.\\d+\\.\\d+ \\(.*");
  }
}
