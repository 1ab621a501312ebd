package io.homi.runtime.gpu;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The gate of every {@code @Tag("gpu")} test: without a usable GPU (no driver, no device, too old)
 * or without the kernels (homi-native built without nvcc) the test is skipped, saying why. Under
 * {@code -Dhomi.test.requireGpu=true} (the {@code gpu} Maven profile and
 * scripts/device-gpu-tests.sh set it) the same condition fails the test instead: on the GPU machine
 * a skip would hide a broken setup.
 */
public final class GpuTests {
  /** JVM property: fail, rather than skip, GPU tests where no GPU is usable. */
  public static final String REQUIRE = "homi.test.requireGpu";

  private GpuTests() {}

  /**
   * Skips (or, under {@link #REQUIRE}, fails) the calling test unless GPU {@link
   * GpuProbe#defaultOrdinal()} decodes.
   */
  public static void assumeGpu() {
    GpuProbe.Result probe = GpuProbe.probe();
    String why =
        !probe.usable()
            ? "no usable GPU here (" + probe.reason() + ")"
            : Kernels.fatbin() == null ? "homi-native was built without nvcc: no kernels" : null;
    if (why == null) return;
    if (Boolean.getBoolean(REQUIRE)) fail(REQUIRE + "=true but " + why);
    assumeTrue(
        false,
        why
            + ": GPU test skipped (run it on a GPU machine: mvn -Pgpu or scripts/device-gpu-tests.sh)");
  }
}
