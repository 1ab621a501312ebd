package io.homi.runtime.mediator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.homi.runtime.control.BlockDevice;
import io.homi.runtime.control.DeviceTestDir;
import io.homi.runtime.control.SriovControl;
import io.homi.runtime.os.Libc;
import io.homi.runtime.os.OpenFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** What the VF tests share: their files, the device behind them, and where they must run. */
final class VfTests {
  /** Set by the NVMe lab when it booted the SR-IOV topology: the VF path must work there. */
  static final boolean LAB = System.getenv("HOMI_NVME_LAB_SRIOV") != null;

  private VfTests() {}

  static Path file(String name, long size) throws IOException {
    Path p = TestData.file(DeviceTestDir.root().resolve("homi-test-data"), name, size);
    try (OpenFile f = OpenFile.open(p)) {
      Libc.fdatasync(f.fd()); // extents allocated on the device before they are mapped
    }
    return p;
  }

  static BlockDevice deviceOf(Path p) throws IOException {
    try (OpenFile f = OpenFile.open(p)) {
      return BlockDevice.of(f.identity().devMajor(), f.identity().devMinor());
    }
  }

  /** Skips unless a VF can be had for {@code p}'s device; in the SR-IOV lab, fails instead. */
  static BlockDevice assumeVf(Path p) throws IOException {
    BlockDevice d = deviceOf(p);
    String why = SriovControl.unavailable(d);
    if (LAB)
      assertThat(why).as("in the SR-IOV lab a VF must be available for " + d.node()).isNull();
    assumeTrue(why == null, "no SR-IOV VF for " + p + ": " + why + DeviceTestDir.hint());
    return d;
  }

  /** The driver bound to a PCI function, or null. */
  static String driver(String pci) {
    try {
      return Files.readSymbolicLink(Path.of("/sys/bus/pci/devices", pci, "driver"))
          .getFileName()
          .toString();
    } catch (IOException e) {
      return null;
    }
  }

  static long numVfs(String pf) throws IOException {
    return Long.parseLong(
        Files.readString(Path.of("/sys/bus/pci/devices", pf, "sriov_numvfs")).trim());
  }

  /** Whether {@code node} is mounted (the PF's file system stays mounted throughout). */
  static boolean mounted(String node) throws IOException {
    return Files.readAllLines(Path.of("/proc/mounts")).stream()
        .anyMatch(l -> l.startsWith(node + " "));
  }
}
