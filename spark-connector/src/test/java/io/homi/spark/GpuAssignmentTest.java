package io.homi.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.apache.spark.resource.ResourceInformation;
import org.junit.jupiter.api.Test;

/** The GPU a task decodes on, from the resources Spark gave it (no GPU needed: the choice only). */
class GpuAssignmentTest {
  private static Map<String, ResourceInformation> gpus(String... addresses) {
    return Map.of("gpu", new ResourceInformation("gpu", addresses));
  }

  @Test
  void takesTheOrdinalSparkAssigned() {
    GpuAssignment a = GpuAssignment.choose(gpus("3"), 0, false);
    assertThat(a.ordinal()).isEqualTo(3);
    assertThat(a.toString()).isEqualTo("GPU 3 (Spark task resource gpu=[3])");
  }

  @Test
  void sparkAssignmentWinsOverTheJvmDefault() {
    assertThat(GpuAssignment.choose(gpus("1"), 5, true).ordinal()).isEqualTo(1);
  }

  @Test
  void aTaskGivenSeveralGpusDecodesOnItsFirst() {
    GpuAssignment a = GpuAssignment.choose(gpus("6", "7"), 0, false);
    assertThat(a.ordinal()).isEqualTo(6);
    assertThat(a.source()).isEqualTo("Spark task resource gpu=[6, 7]");
  }

  @Test
  void withoutAGpuResourceKeepsTheDefaultAndSaysWhy() {
    GpuAssignment none = GpuAssignment.choose(Map.of(), 0, false);
    assertThat(none.ordinal()).isZero();
    assertThat(none.toString()).isEqualTo("GPU 0 (device 0, no Spark gpu resource)");
    assertThat(GpuAssignment.choose(null, 2, true).toString()).isEqualTo("GPU 2 (homi.gpu=2)");
    // other resources (FPGAs, ...) and an empty gpu grant leave the choice alone
    assertThat(
            GpuAssignment.choose(
                    Map.of("fpga", new ResourceInformation("fpga", new String[] {"4"})), 1, true)
                .ordinal())
        .isEqualTo(1);
    assertThat(GpuAssignment.choose(gpus(), 0, false).ordinal()).isZero();
  }

  @Test
  void anAddressThatIsNoOrdinalFailsNamingIt() {
    assertThatThrownBy(() -> GpuAssignment.choose(gpus("GPU-5f2c8a1e-uuid"), 0, false))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'GPU-5f2c8a1e-uuid'")
        .hasMessageContaining("not a CUDA device ordinal")
        .hasMessageContaining("scripts/gpu-discovery.sh");
    assertThatThrownBy(() -> GpuAssignment.choose(gpus("-1"), 0, false))
        .hasMessageContaining("'-1'");
  }

  @Test
  void outsideATaskTheJvmDefaultIsUsed() {
    // JUnit's thread runs no Spark task: TaskContext.get() is null
    assertThat(GpuAssignment.forCurrentTask().ordinal())
        .isEqualTo(Integer.getInteger("homi.gpu", 0));
  }
}
