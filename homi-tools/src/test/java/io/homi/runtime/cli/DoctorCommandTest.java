package io.homi.runtime.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.homi.runtime.gpu.GpuProbe;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code homi doctor}: runs without a GPU, marks the GPU path unusable with the probe's reason,
 * prints for a person.
 */
class DoctorCommandTest {
  @Test
  void doctorReportsGpuUnusableAndHostPathsUsable(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("x.bin");
    Files.write(f, new byte[8192]);
    List<DoctorCommand.Check> checks = DoctorCommand.checks(f);
    assertThat(checks)
        .extracting(DoctorCommand.Check::name)
        .contains(
            "libcuda / driver",
            "GPU device",
            "libcufile",
            "O_DIRECT",
            "FIEMAP",
            "block device",
            "path OS",
            "path DIRECT",
            "path DEVICE",
            "path GPU");
    DoctorCommand.Check os =
        checks.stream().filter(c -> c.name().equals("path OS")).findFirst().orElseThrow();
    assertThat(os.usable()).isTrue();
    DoctorCommand.Check gpu =
        checks.stream().filter(c -> c.name().equals("path GPU")).findFirst().orElseThrow();
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
    assertThat(DoctorCommand.toJson(checks))
        .contains("\"summary\": \"HOMI can read via: os")
        .contains("\"checks\": [")
        .contains("{\"check\": \"path GPU\", \"usable\": false, \"why\": \"");
  }

  @Test
  void doctorSummaryMarksAndWrapsForAPerson() {
    List<DoctorCommand.Check> checks =
        List.of(
            new DoctorCommand.Check("O_DIRECT", true, "open(O_DIRECT) ok on /data/x"),
            new DoctorCommand.Check("path OS", true, "buffered pread: always available"),
            new DoctorCommand.Check("path DIRECT", true, "O_DIRECT on the file"),
            new DoctorCommand.Check(
                "path DEVICE", false, "cannot open /dev/vda read-only: Operation not permitted"),
            new DoctorCommand.Check(
                "path GPU",
                false,
                "no usable GPU: libcuda not loadable " + "word ".repeat(30).trim()));
    assertThat(DoctorCommand.summary(checks))
        .isEqualTo(
            "HOMI can read via: os, direct (device: no - cannot open /dev/vda"
                + " read-only: Operation not permitted; gpu: no - no usable GPU: libcuda not loadable "
                + "word ".repeat(30).trim()
                + ")");
    assertThat(DoctorCommand.summary(checks.subList(3, 5)))
        .startsWith("HOMI can read via: nothing (device: no - ");

    List<String> table = DoctorCommand.toTable(checks, 60).lines().toList();
    assertThat(table.get(0)).isEqualTo("check       | usable | why");
    assertThat(table).allMatch(l -> l.length() <= 60, "every line within 60 columns");
    assertThat(table)
        .filteredOn(l -> l.startsWith("path GPU"))
        .singleElement()
        .asString()
        .contains("| NO     | no usable GPU");
    int gpuRow =
        table.indexOf(
            table.stream().filter(l -> l.startsWith("path GPU")).findFirst().orElseThrow());
    assertThat(table.subList(gpuRow + 1, table.size()))
        .isNotEmpty()
        .allMatch(
            l -> l.startsWith("            |        | word"),
            "continuation lines stay under the why column");

    assertThat(DoctorCommand.terminalWidth("132")).isEqualTo(132);
    assertThat(DoctorCommand.terminalWidth(null)).isEqualTo(100);
    assertThat(DoctorCommand.terminalWidth("abc")).isEqualTo(100);
    assertThat(DoctorCommand.wrap("a bb ccc", 4)).containsExactly("a bb", "ccc");
    assertThat(DoctorCommand.wrap("abcdefgh ij", 4)).containsExactly("abcdefgh", "ij");
  }
}
