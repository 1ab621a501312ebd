package io.homi.runtime.gpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import io.homi.runtime.cli.DoctorCommand;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What CI (no GPU) can prove: the probe fails soft with a reason, strict users get a clear
 * error, the doctor runs and marks the GPU path unusable, and the build shipped the kernels.
 * Parts that need a GPU are skipped by assumption, saying so; the device check covers them.
 */
class GpuNoDeviceTest {
  @Test
  void probeExplainsWhyNoGpu() {
    GpuProbe.Result r = GpuProbe.probe();
    assumeFalse(r.usable(), "a usable GPU is present: the no-GPU behaviour cannot be observed here");
    assertThat(r.reason()).isNotBlank();
    assertThat(r.deviceName()).isNull();
    assertThatThrownBy(GpuProbe::requireUsable).isInstanceOf(CudaException.class)
        .hasMessageContaining("no usable GPU").hasMessageContaining(r.reason());
  }

  @Test
  void doctorReportsGpuUnusableAndHostPathsUsable(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("x.bin");
    Files.write(f, new byte[8192]);
    List<DoctorCommand.Check> checks = DoctorCommand.checks(f);
    assertThat(checks).extracting(DoctorCommand.Check::name)
        .contains("libcuda / driver", "GPU device", "libcufile", "O_DIRECT", "FIEMAP", "block device",
            "path OS", "path DIRECT", "path DEVICE", "path GPU");
    DoctorCommand.Check os = checks.stream().filter(c -> c.name().equals("path OS")).findFirst().orElseThrow();
    assertThat(os.usable()).isTrue();
    DoctorCommand.Check gpu = checks.stream().filter(c -> c.name().equals("path GPU")).findFirst().orElseThrow();
    assumeFalse(GpuProbe.probe().usable(), "a GPU is present");
    assertThat(gpu.usable()).isFalse();
    assertThat(gpu.why()).contains(GpuProbe.probe().reason());
    for (DoctorCommand.Check c : checks) assertThat(c.why()).as(c.name()).isNotBlank();
    String summary = DoctorCommand.summary(checks);
    assertThat(summary).startsWith("HOMI can read via: os").contains("gpu: no - " + gpu.why());
    assertThat(DoctorCommand.toTable(checks, 100).lines())
        .anyMatch(l -> l.startsWith("path GPU") && l.contains("| NO     |"))
        .anyMatch(l -> l.startsWith("path OS") && l.contains("| yes    |"))
        .allMatch(l -> l.length() <= 100);
    assertThat(DoctorCommand.toJson(checks)).contains("\"summary\": \"HOMI can read via: os")
        .contains("\"checks\": [").contains("{\"check\": \"path GPU\", \"usable\": false, \"why\": \"");
  }

  @Test
  void doctorSummaryMarksAndWrapsForAPerson() {
    List<DoctorCommand.Check> checks = List.of(
        new DoctorCommand.Check("O_DIRECT", true, "open(O_DIRECT) ok on /data/x"),
        new DoctorCommand.Check("path OS", true, "buffered pread: always available"),
        new DoctorCommand.Check("path DIRECT", true, "O_DIRECT on the file"),
        new DoctorCommand.Check("path DEVICE", false, "cannot open /dev/vda read-only: Operation not permitted"),
        new DoctorCommand.Check("path GPU", false, "no usable GPU: libcuda not loadable " + "word ".repeat(30).trim()));
    assertThat(DoctorCommand.summary(checks)).isEqualTo("HOMI can read via: os, direct (device: no - cannot open /dev/vda"
        + " read-only: Operation not permitted; gpu: no - no usable GPU: libcuda not loadable " + "word ".repeat(30).trim() + ")");
    assertThat(DoctorCommand.summary(checks.subList(3, 5))).startsWith("HOMI can read via: nothing (device: no - ");

    List<String> table = DoctorCommand.toTable(checks, 60).lines().toList();
    assertThat(table.get(0)).isEqualTo("check       | usable | why");
    assertThat(table).allMatch(l -> l.length() <= 60, "every line within 60 columns");
    assertThat(table).filteredOn(l -> l.startsWith("path GPU")).singleElement().asString().contains("| NO     | no usable GPU");
    int gpuRow = table.indexOf(table.stream().filter(l -> l.startsWith("path GPU")).findFirst().orElseThrow());
    assertThat(table.subList(gpuRow + 1, table.size())).isNotEmpty()
        .allMatch(l -> l.startsWith("            |        | word"), "continuation lines stay under the why column");

    assertThat(DoctorCommand.terminalWidth("132")).isEqualTo(132);
    assertThat(DoctorCommand.terminalWidth(null)).isEqualTo(100);
    assertThat(DoctorCommand.terminalWidth("abc")).isEqualTo(100);
    assertThat(DoctorCommand.wrap("a bb ccc", 4)).containsExactly("a bb", "ccc");
    assertThat(DoctorCommand.wrap("abcdefgh ij", 4)).containsExactly("abcdefgh", "ij");
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
      assertThat(Kernels.hostChecksum(Pointer.nativeValue(m), 600)).isNotEqualTo(a); // swapped bytes are caught
    }
  }

  @Test
  void gpuInitiatedPlanSplitsIntoWholeBlocksPerSlot() {
    // The planner is pure arithmetic, so it is checked here without a GPU.
    long slot = 8192;
    List<GpuInitiatedReader.GpuRead> reads = GpuPlan.plan(List.of(new GpuInitiatedReader.Request(4095, 10000, 3)), slot);
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
