package io.homi.runtime.mediator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.homi.runtime.HomiConfig;
import io.homi.runtime.HomiRuntime;
import io.homi.runtime.control.BlockDevice;
import io.homi.runtime.control.ExtentMapper;
import io.homi.runtime.control.Grant;
import io.homi.runtime.control.SriovControl;
import io.homi.runtime.io.QueueClient;
import io.homi.runtime.nvme.VfioController;
import io.homi.runtime.os.HostBuffer;
import io.homi.runtime.os.Libc;
import io.homi.runtime.os.OpenFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The VF path end to end: a file's bytes come as NVMe Reads on an SR-IOV virtual function that the
 * control plane provisioned and the runtime drives from user space (VFIO), through the file's
 * grant, while the physical function keeps the kernel's nvme driver and the mounted ext4 the file
 * lives on. Runs in the NVMe lab's SR-IOV guest (lab/nvme; HOMI_NVME_LAB_SRIOV=1: must pass);
 * elsewhere it skips saying what the machine lacks. Each test gives its VF back at the end.
 */
class VfPathTest {
  private static final long B = 4096;

  /** A grant-bound namespace on its own DevicePath and VfPath, as the mediator wires them. */
  private record Setup(
      OpenFile file, DevicePath device, VfPath vf, BufferRegistry buffers, Namespace ns)
      implements AutoCloseable {
    static Setup of(Path p) throws IOException {
      OpenFile f = OpenFile.open(p);
      DevicePath dp = new DevicePath();
      BufferRegistry reg = new BufferRegistry();
      VfPath vf = new VfPath(dp, reg);
      Namespace ns = new NamespaceTable().attach(f);
      dp.bind(ns, Grant.issue(ExtentMapper.map(f, true)));
      return new Setup(f, dp, vf, reg, ns);
    }

    @Override
    public void close() {
      vf.close();
      device.close();
      file.close();
    }
  }

  @Test
  void vfReadsTheFileWhileThePfKeepsItsDriverAndFileSystem() throws Exception {
    Path p = VfTests.file("vf.bin", (5 << 20) + 333);
    BlockDevice d = VfTests.assumeVf(p);
    String pf = SriovControl.controllerOf(d).pci();
    long size = Files.size(p);
    long len = (size + B - 1) & -B;
    try (Setup s = Setup.of(p);
        HostBuffer buf = new HostBuffer(len)) {
      s.buffers().register(buf.address(), buf.capacity());
      assertThat(s.vf().canServe(s.ns(), 0, buf.address(), len)).isTrue();
      assertThat(s.vf().read(s.ns(), 0, buf.address(), len)).isEqualTo(size);
      assertThat(TestData.firstMismatch(buf.view(0, (int) len), 0, (int) len, 0, size))
          .isEqualTo(-1);
      String vfPci = s.vf().functionOf(d);
      VfioController ctl = s.vf().controller(d);
      System.out.println(
          "VF "
              + vfPci
              + " of PF "
              + pf
              + ": controller "
              + ctl.controllerId()
              + " '"
              + ctl.model()
              + "' serial '"
              + ctl.serial()
              + "', "
              + ctl.lbaSize()
              + "-byte LBAs, max transfer "
              + ctl.maxTransferBytes());
      assertThat(vfPci).isNotNull().isNotEqualTo(pf);
      assertThat(VfTests.driver(vfPci)).as("the VF's driver").isEqualTo("vfio-pci");
      assertThat(VfTests.driver(pf)).as("the PF's driver").isEqualTo("nvme");
      assertThat(VfTests.mounted(d.node())).as(d.node() + " still mounted").isTrue();
      assertThat(ctl.controllerId()).as("the VF is a secondary controller").isPositive();
      // The PF serves the same bytes through the kernel (cache dropped: a real device read).
      Libc.posix_fadvise(s.file().fd(), 0, 0, Libc.POSIX_FADV_DONTNEED);
      byte[] os = Files.readAllBytes(p);
      byte[] vf = new byte[(int) size];
      buf.view(0, (int) size).get(vf);
      assertThat(Arrays.equals(os, vf)).as("VF bytes equal the OS read through the PF").isTrue();
      s.buffers().unregister(buf.address());
    }
    assertThat(VfTests.numVfs(pf)).as("the VF is removed on close").isZero();
  }

  @Test
  void osReadsThroughThePfWhileTheVfScans() throws Exception {
    Path p = VfTests.file("vf-mixed.bin", 3 << 20);
    VfTests.assumeVf(p);
    long size = Files.size(p);
    byte[] expected = Files.readAllBytes(p);
    AtomicInteger osRounds = new AtomicInteger();
    AtomicReference<Throwable> osError = new AtomicReference<>();
    AtomicInteger vfScans = new AtomicInteger();
    try (Setup s = Setup.of(p);
        HostBuffer buf = new HostBuffer(size)) {
      s.buffers().register(buf.address(), buf.capacity());
      s.vf().read(s.ns(), 0, buf.address(), size); // VF up before the OS reader starts
      Thread os =
          new Thread(
              () -> {
                try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
                  ByteBuffer b = ByteBuffer.allocate((int) size);
                  while (vfScans.get() < 4) {
                    Libc.posix_fadvise(s.file().fd(), 0, 0, Libc.POSIX_FADV_DONTNEED);
                    b.clear();
                    while (b.hasRemaining() && ch.read(b, b.position()) > 0) {}
                    if (!Arrays.equals(b.array(), expected))
                      throw new AssertionError("OS read through the PF differs during a VF scan");
                    osRounds.incrementAndGet();
                  }
                } catch (Throwable t) {
                  osError.set(t);
                }
              },
              "os-reader");
      os.start();
      while (osRounds.get() == 0 && os.isAlive()) Thread.sleep(10);
      for (int i = 0; i < 4; i++) {
        buf.view(0, (int) size).put(new byte[(int) size]); // zeros: the next scan must refill
        assertThat(s.vf().read(s.ns(), 0, buf.address(), size)).isEqualTo(size);
        assertThat(TestData.firstMismatch(buf.view(0, (int) size), 0, (int) size, 0, size))
            .as("VF scan " + i)
            .isEqualTo(-1);
        vfScans.incrementAndGet();
      }
      os.join(120_000);
      assertThat(osError.get()).as("the OS reader's error").isNull();
      assertThat(osRounds.get()).as("OS reads through the PF during the VF scans").isPositive();
      s.buffers().unregister(buf.address());
    }
  }

  @Test
  void aFileRewrittenDuringAVfScanIsCaughtNotMixed() throws Exception {
    Path p = VfTests.file("vf-rewritten.bin", 4 << 20);
    VfTests.assumeVf(p);
    long half = 2L << 20;
    try (Setup s = Setup.of(p);
        HostBuffer buf = new HostBuffer(4L << 20)) {
      s.buffers().register(buf.address(), buf.capacity());
      assertThat(s.vf().read(s.ns(), 0, buf.address(), half)).isEqualTo(half);
      // The writer changes the file between the scan's two halves.
      try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
        ch.write(ByteBuffer.wrap(new byte[] {42, 42, 42, 42}), half + 8);
        ch.force(true);
      }
      assertThatThrownBy(() -> s.vf().read(s.ns(), half, buf.address() + half, half))
          .isInstanceOf(IOException.class)
          .hasMessageContaining(p.toString())
          .satisfies(
              e ->
                  assertThat(e.getMessage())
                      .containsAnyOf("discarded", "revoked", "changed", "outside the grant"));
      assertThat(s.vf().canServe(s.ns(), half, buf.address() + half, half)).isFalse();
      s.buffers().unregister(buf.address());
    } finally {
      Files.delete(p); // rewritten: the next run makes a fresh pattern file
    }
  }

  @Test
  void vfModeReadsThroughTheRuntimesQueuePairCountedOnVf() throws Exception {
    Path p = VfTests.file("vf-runtime.bin", (3 << 20) + 77);
    VfTests.assumeVf(p);
    HomiRuntime rt = HomiRuntime.get();
    try (OpenFile f = OpenFile.open(p)) {
      Namespace ns = rt.attach(f, PathPolicy.Mode.VF);
      long len = ns.capacityLbas() * Namespace.LBA_SIZE;
      try (QueueClient c = rt.newClient(HomiConfig.from(Map.of(HomiConfig.PATH, "vf")));
          HostBuffer buf = new HostBuffer(len)) {
        rt.buffers().register(buf.address(), buf.capacity());
        c.read(ns, 0, len, buf.address());
        long size = Files.size(p);
        assertThat(TestData.firstMismatch(buf.view(0, (int) len), 0, (int) len, 0, size))
            .isEqualTo(-1);
        assertThat(c.stats().bytes(PathKind.VF)).isEqualTo(size);
        assertThat(
                c.stats().bytes(PathKind.DEVICE)
                    + c.stats().bytes(PathKind.OS)
                    + c.stats().bytes(PathKind.PASSTHROUGH))
            .isZero();
        rt.buffers().unregister(buf.address());
      } finally {
        rt.detach(ns);
      }
    } finally {
      rt.close(); // gives the VF back; the next get() starts a new runtime
    }
  }

  @Test
  void vfModeFailsNamingTheFileWhereNoVfCanBeHad() throws Exception {
    // A file on tmpfs has no block device, let alone an NVMe controller with SR-IOV: runs anywhere.
    Path shm = Path.of("/dev/shm");
    org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(shm), "no /dev/shm here");
    Path p = Files.createTempFile(shm, "homi-vf", ".bin");
    try (OpenFile f = OpenFile.open(p)) {
      Files.write(p, new byte[8192]);
      assertThatThrownBy(() -> HomiRuntime.get().attach(f, PathPolicy.Mode.VF))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("homi.path=vf cannot read")
          .hasMessageContaining(p.toString());
    } finally {
      Files.delete(p);
    }
  }
}
