package io.homi.runtime.gpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What CI (no GPU) can prove: the probe fails soft with a reason, strict users get a clear error,
 * and the build shipped the kernels (the doctor: DoctorCommandTest in homi-tools). Parts that need
 * a GPU are skipped by assumption, saying so; the device check covers them.
 */
class GpuNoDeviceTest {
  @Test
  void probeExplainsWhyNoGpu() {
    GpuProbe.Result r = GpuProbe.probe();
    assumeFalse(
        r.usable(), "a usable GPU is present: the no-GPU behaviour cannot be observed here");
    assertThat(r.reason()).isNotBlank();
    assertThat(r.deviceName()).isNull();
    assertThatThrownBy(GpuProbe::requireUsable)
        .isInstanceOf(CudaException.class)
        .hasMessageContaining("no usable GPU")
        .hasMessageContaining(r.reason());
  }

  @Test
  void fatbinShipsBothKernelsWhenNvccWasAvailable() {
    byte[] image = Kernels.fatbin();
    assumeTrue(image != null, "homi-native was built without nvcc: no kernels to check");
    assertThat(image.length).isGreaterThan(1000);
    String text = new String(image, java.nio.charset.StandardCharsets.ISO_8859_1);
    assertThat(text).contains("homi_checksum_bytes").contains("homi_fetch_ranges");
  }

  @Test
  void hostChecksumIsPositionWeighted() {
    try (Memory m = new Memory(600)) {
      for (int i = 0; i < 600; i++) m.setByte(i, (byte) (i * 7));
      long a = Kernels.hostChecksum(Pointer.nativeValue(m), 600);
      long expect = 0;
      for (int i = 0; i < 600; i++) expect += ((i * 7) & 0xff) * ((i % 251) + 1L);
      assertThat(a).isEqualTo(expect);
      byte b0 = m.getByte(3);
      m.setByte(3, m.getByte(4));
      m.setByte(4, b0);
      assertThat(Kernels.hostChecksum(Pointer.nativeValue(m), 600))
          .isNotEqualTo(a); // swapped bytes are caught
    }
  }

  @Test
  void gpuInitiatedPlanSplitsIntoWholeBlocksPerSlot() {
    // The planner is pure arithmetic, so it is checked here without a GPU.
    long slot = 8192;
    List<GpuInitiatedReader.GpuRead> reads =
        GpuPlan.plan(List.of(new GpuInitiatedReader.Request(4095, 10000, 3)), slot);
    long covered = 0;
    for (GpuInitiatedReader.GpuRead r : reads) {
      assertThat((r.nlb0() + 1L) * 4096).isLessThanOrEqualTo(slot);
      assertThat(r.skip() + r.length()).isLessThanOrEqualTo((r.nlb0() + 1) * 4096);
      assertThat(r.slba() * 4096 + r.skip()).isEqualTo(4095 + covered);
      assertThat(r.dstOffset()).isEqualTo(3 + covered);
      covered += r.length();
    }
    assertThat(covered).isEqualTo(10000);
  }
}
