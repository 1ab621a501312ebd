package io.homi.runtime.mediator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.homi.runtime.HomiConfig;
import io.homi.runtime.HomiRuntime;
import io.homi.runtime.control.BlockDevice;
import io.homi.runtime.control.DeviceTestDir;
import io.homi.runtime.io.QueueClient;
import io.homi.runtime.nvme.NvmeStatus;
import io.homi.runtime.nvme.NvmeStatusException;
import io.homi.runtime.os.HostBuffer;
import io.homi.runtime.os.Libc;
import io.homi.runtime.os.OpenFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * NVMe passthrough end to end: a file's bytes come as NVMe Read commands on the controller
 * (io_uring URING_CMD on /dev/ngXnY), through the runtime's queue pair and grant, counted on the
 * PASSTHROUGH path; the controller's error status reaches the caller. Runs where the device test
 * directory is on an NVMe namespace (the lab guest, lab/nvme, sets HOMI_NVME_LAB=1 and must pass
 * them all); elsewhere (a loop device in CI) it checks that passthrough is refused with the file
 * and the reason, and skips the rest saying why.
 */
class PassthroughPathTest {
  private static final boolean LAB = System.getenv("HOMI_NVME_LAB") != null;

  private static Path file(String name, long size) throws IOException {
    Path dir = DeviceTestDir.root().resolve("homi-test-data");
    Path p = TestData.file(dir, name, size);
    try (OpenFile f = OpenFile.open(p)) {
      Libc.fdatasync(f.fd()); // extents allocated on the device before they are mapped
    }
    return p;
  }

  private static BlockDevice deviceOf(Path p) throws IOException {
    try (OpenFile f = OpenFile.open(p)) {
      return BlockDevice.of(f.identity().devMajor(), f.identity().devMinor());
    }
  }

  /**
   * Skips unless {@code p} is on an NVMe namespace whose generic char device opens; in the lab,
   * fails instead.
   */
  private static void assumeNvme(Path p) throws IOException {
    BlockDevice d = deviceOf(p);
    String why;
    try (DevicePath dp = new DevicePath();
        PassthroughPath pp = new PassthroughPath(dp)) {
      why = pp.unavailable(d);
    }
    if (LAB)
      assertThat(why).as("in the NVMe lab passthrough must be usable on " + d.node()).isNull();
    assumeTrue(why == null, "no NVMe passthrough for " + p + ": " + why + DeviceTestDir.hint());
  }

  @Test
  void passthroughModeReadsTheFileAsNvmeReadsOrFailsClearly() throws Exception {
    HomiRuntime rt = HomiRuntime.get();
    Path p = file("passthrough.bin", (5 << 20) + 333);
    try (OpenFile f = OpenFile.open(p)) {
      Namespace ns;
      try {
        ns = rt.attach(f, PathPolicy.Mode.PASSTHROUGH);
      } catch (IOException e) {
        assertThat(e)
            .hasMessageContaining("homi.path=passthrough")
            .hasMessageContaining(p.toString());
        assertThat(LAB).as("passthrough refused in the NVMe lab: " + e.getMessage()).isFalse();
        assumeTrue(false, "no passthrough here: " + e.getMessage());
        return;
      }
      long len = ns.capacityLbas() * Namespace.LBA_SIZE;
      try (QueueClient c = rt.newClient(HomiConfig.from(Map.of(HomiConfig.PATH, "passthrough")));
          HostBuffer buf = new HostBuffer(len)) {
        rt.buffers().register(buf.address(), buf.capacity());
        c.read(ns, 0, len, buf.address());
        long size = Files.size(p);
        assertThat(TestData.firstMismatch(buf.view(0, (int) len), 0, (int) len, 0, size))
            .isEqualTo(-1);
        assertThat(c.stats().bytes(PathKind.PASSTHROUGH)).isEqualTo(size);
        assertThat(c.stats().bytes(PathKind.DEVICE) + c.stats().bytes(PathKind.OS)).isZero();
        rt.buffers().unregister(buf.address());
      } finally {
        rt.detach(ns);
      }
    }
  }

  @Test
  void autoSendsColdExtentsToPassthrough() throws Exception {
    Path p = file("passthrough-auto.bin", 3 << 20);
    assumeNvme(p);
    HomiRuntime rt = HomiRuntime.get();
    try (OpenFile f = OpenFile.open(p)) {
      Libc.posix_fadvise(f.fd(), 0, 0, Libc.POSIX_FADV_DONTNEED); // cold
      Namespace ns = rt.attach(f, PathPolicy.Mode.AUTO);
      long len = ns.capacityLbas() * Namespace.LBA_SIZE;
      try (QueueClient c = rt.newClient(HomiConfig.from(Map.of(HomiConfig.PATH, "auto")));
          HostBuffer buf = new HostBuffer(len)) {
        rt.buffers().register(buf.address(), buf.capacity());
        c.read(ns, 0, len, buf.address());
        assertThat(TestData.firstMismatch(buf.view(0, (int) len), 0, (int) len, 0, Files.size(p)))
            .isEqualTo(-1);
        assertThat(c.stats().bytes(PathKind.PASSTHROUGH))
            .as("cold bytes as NVMe Reads")
            .isGreaterThan(Files.size(p) / 2);
        rt.buffers().unregister(buf.address());
      } finally {
        rt.detach(ns);
      }
    }
  }

  /**
   * An LBA past the namespace: the controller answers LBA Out of Range, and that status comes back.
   */
  @Test
  void theControllersErrorStatusReachesTheCaller() throws Exception {
    Path p = file("passthrough-status.bin", 4096);
    assumeNvme(p);
    BlockDevice d = deviceOf(p);
    long lbas = d.diskSizeBytes() / d.logicalBlockSize();
    try (DevicePath dp = new DevicePath();
        PassthroughPath pp = new PassthroughPath(dp);
        HostBuffer buf = new HostBuffer(8192)) {
      pp.readLbasUnchecked(d, 0, 8192 / d.logicalBlockSize(), buf.address()); // in range: fine
      assertThatThrownBy(
              () -> pp.readLbasUnchecked(d, lbas + 8, 8192 / d.logicalBlockSize(), buf.address()))
          .isInstanceOfSatisfying(
              NvmeStatusException.class,
              e -> assertThat(e.status()).isEqualTo(NvmeStatus.LBA_OUT_OF_RANGE))
          .hasMessageContaining("/dev/ng");
    }
  }

  /**
   * Where passthrough cannot serve a file's device, the reason says why (what doctor shows); in the
   * lab it can.
   */
  @Test
  void unavailableSaysWhyAndOnlyNvmeNamespacesQualify() throws Exception {
    Path p = file("passthrough-why.bin", 8192);
    BlockDevice d = deviceOf(p);
    try (DevicePath dp = new DevicePath();
        PassthroughPath pp = new PassthroughPath(dp)) {
      String why = pp.unavailable(d);
      if (LAB) assertThat(why).as("in the NVMe lab").isNull();
      if (!d.kind().equals("nvme")) {
        assertThat(why).contains(d.node()).contains("not an NVMe namespace");
        assertThat(PassthroughPath.genericNode(d)).isNull();
      } else {
        assertThat(PassthroughPath.genericNode(d)).isEqualTo("/dev/ng" + d.diskName().substring(4));
      }
      assertThat(pp.unavailable(d)).as("remembered, same answer").isEqualTo(why);
    }
  }
}
