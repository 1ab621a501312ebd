package io.homi.runtime.gpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.homi.runtime.HomiConfig;
import io.homi.runtime.HomiRuntime;
import io.homi.runtime.mediator.PathPolicy;
import io.homi.runtime.os.OpenFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code homi.path=gpu}: parsed like the other modes, and strict: without a GPU it fails clearly.
 */
class GpuModeTest {
  @Test
  void gpuIsAPathModeAndTheErrorListsIt() {
    assertThat(HomiConfig.from(Map.of("homi.path", "GPU")).pathMode())
        .isEqualTo(PathPolicy.Mode.GPU);
    assertThat(HomiConfig.from(Map.of("HOMI.PATH", " gpu ")).policy().mode())
        .isEqualTo(PathPolicy.Mode.GPU);
    assertThatThrownBy(() -> HomiConfig.from(Map.of("homi.path", "cuda")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("auto, os, direct, device, passthrough, vf, gpu")
        .hasMessageContaining("'cuda'");
  }

  @Test
  void withoutGpuTheStrictModeFailsWithTheProbeReason(@TempDir Path dir) throws Exception {
    GpuProbe.Result probe = GpuProbe.probe();
    assumeFalse(
        probe.usable(), "a usable GPU is present: the no-GPU failure cannot be observed here");
    HomiRuntime rt = HomiRuntime.get();
    String expected = "homi.path=gpu: no usable GPU: " + probe.reason();
    assertThatThrownBy(rt::gpuPath).isInstanceOf(IOException.class).hasMessage(expected);
    assertThatThrownBy(() -> rt.newClient(HomiConfig.from(Map.of("homi.path", "gpu"))))
        .isInstanceOf(IOException.class)
        .hasMessage(expected);
    Path f = dir.resolve("x.bin");
    Files.write(f, new byte[8192]);
    int before = rt.mediator().namespaces().size();
    try (OpenFile file = OpenFile.open(f)) {
      assertThatThrownBy(() -> rt.attach(file, PathPolicy.Mode.GPU))
          .isInstanceOf(IOException.class)
          .hasMessage(expected);
    }
    assertThat(rt.mediator().namespaces().size()).isEqualTo(before); // nothing left attached
    assertThat(rt.mediator().gpuPath()).isNull();
  }
}
