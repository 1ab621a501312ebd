package io.homi.spark;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.apache.spark.resource.ResourceInformation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * scripts/gpu-discovery.sh prints what Spark's parser takes and what {@link GpuAssignment} opens.
 * This machine has no NVIDIA driver: a stand-in nvidia-smi prints the lines the real one prints for
 * {@code --query-gpu=index --format=csv,noheader}.
 */
class GpuDiscoveryScriptTest {
  @TempDir Path dir;

  private record Run(int exit, String stdout, String stderr) {}

  private Run run(String smiOutput, Map<String, String> env)
      throws IOException, InterruptedException {
    // from the module (Maven) or from the checkout's root (scripts/device-gpu-tests.sh)
    Path script = Path.of("..", "scripts", "gpu-discovery.sh").toAbsolutePath().normalize();
    if (!Files.exists(script)) script = Path.of("scripts", "gpu-discovery.sh").toAbsolutePath();
    ProcessBuilder pb = new ProcessBuilder("bash", script.toString());
    pb.environment().remove("CUDA_VISIBLE_DEVICES");
    if (smiOutput != null) {
      Path smi = dir.resolve("nvidia-smi");
      Files.writeString(smi, "#!/bin/sh\nprintf '" + smiOutput + "'\n");
      Files.setPosixFilePermissions(smi, PosixFilePermissions.fromString("rwxr-xr-x"));
      pb.environment().put("NVIDIA_SMI", smi.toString());
    } else {
      pb.environment().put("NVIDIA_SMI", dir.resolve("absent-nvidia-smi").toString());
    }
    pb.environment().putAll(env);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    return new Run(p.waitFor(), out, err);
  }

  @Test
  void printsEveryGpuAsSparksResourceJson() throws Exception {
    Run r = run("0\\n1\\n2\\n3\\n", Map.of());
    assertThat(r.exit()).isZero();
    ResourceInformation gpu = ResourceInformation.parseJson(r.stdout());
    assertThat(gpu.name()).isEqualTo("gpu");
    assertThat(gpu.addresses()).containsExactly("0", "1", "2", "3");
    // a task Spark gives the third address decodes on ordinal 2
    ResourceInformation mine = new ResourceInformation("gpu", new String[] {gpu.addresses()[2]});
    assertThat(GpuAssignment.choose(Map.of("gpu", mine), 0, false).ordinal()).isEqualTo(2);
  }

  @Test
  void withCudaVisibleDevicesPrintsCudasOwnNumbering() throws Exception {
    Run r = run("0\\n1\\n2\\n3\\n", Map.of("CUDA_VISIBLE_DEVICES", "2,3"));
    assertThat(ResourceInformation.parseJson(r.stdout()).addresses()).containsExactly("0", "1");
  }

  @Test
  void withoutADriverFailsSayingSo() throws Exception {
    Run r = run(null, Map.of());
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.stdout()).isEmpty();
    assertThat(r.stderr()).contains("not found: no NVIDIA driver");
    Run none = run("", Map.of());
    assertThat(none.exit()).isEqualTo(1);
    assertThat(none.stderr()).contains("lists no GPU");
  }
}
