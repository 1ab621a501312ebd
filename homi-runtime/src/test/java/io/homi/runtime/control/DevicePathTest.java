package io.homi.runtime.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.homi.runtime.mediator.DevicePath;
import io.homi.runtime.mediator.Namespace;
import io.homi.runtime.mediator.NamespaceTable;
import io.homi.runtime.os.HostBuffer;
import io.homi.runtime.os.OpenFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The device path on real files: bytes by LBA from the block device, zeros, refusals. */
class DevicePathTest {
  private static final int B = TestFiles.BLOCK;

  /** The proof: a file's bytes read by LBA from the raw device equal the file's bytes. */
  @Test
  void readsTheFilesBytesByLbaFromTheBlockDevice() throws Exception {
    Path p = TestFiles.deviceDir("proof").resolve("f");
    byte[] data =
        TestFiles.random(40 * B + 1234, 11); // ends mid-block: the tail must come back zeroed
    for (int i = 0; i < 40; i += 2)
      TestFiles.writeAt(p, (long) i * B, Arrays.copyOfRange(data, i * B, (i + 1) * B));
    for (int i = 1; i < 40; i += 2)
      TestFiles.writeAt(p, (long) i * B, Arrays.copyOfRange(data, i * B, (i + 1) * B));
    TestFiles.writeAt(p, 40L * B, Arrays.copyOfRange(data, 40 * B, data.length));
    try (OpenFile f = OpenFile.open(p);
        DevicePath path = new DevicePath();
        HostBuffer buf = new HostBuffer(48L * B)) {
      Grant g = Grant.issue(ExtentMapper.map(f, true));
      int fd = path.deviceFd(g);
      TestFiles.assumeDeviceOpens(fd, g);
      Namespace ns = new NamespaceTable().attach(f);
      path.bind(ns, g);
      assertThat(path.canServe(ns, 0, buf.address(), 48L * B)).isTrue();
      long n = path.read(ns, 0, buf.address(), 48L * B);
      assertThat(n).isEqualTo(data.length);
      byte[] got = new byte[48 * B];
      buf.view(0, got.length).get(got);
      assertThat(Arrays.copyOf(got, data.length)).isEqualTo(data);
      assertThat(Arrays.copyOfRange(got, data.length, got.length)).containsOnly(0);
    }
  }

  @Test
  void unwrittenAndHolesAreZerosWithoutTouchingTheDevice() throws Exception {
    Path dir = TestFiles.deviceDir("zeros");
    Path p = dir.resolve("falloc");
    TestFiles.fallocate(p, 16L * B);
    try (OpenFile f = OpenFile.open(p);
        DevicePath path = new DevicePath();
        HostBuffer buf = new HostBuffer(16L * B)) {
      byte[] junk = new byte[16 * B];
      Arrays.fill(junk, (byte) 0x5a);
      buf.view(0, junk.length).put(junk); // so zeros can only come from the path
      Grant g = Grant.issue(ExtentMapper.map(f, true));
      assertThat(g.ranges()).isEmpty();
      Namespace ns = new NamespaceTable().attach(f);
      path.bind(ns, g);
      assertThat(path.read(ns, 0, buf.address(), 16L * B)).isEqualTo(16L * B);
      byte[] got = new byte[16 * B];
      buf.view(0, got.length).get(got);
      assertThat(got).containsOnly(0);
    }
  }

  @Test
  void aFileChangedDuringTheScanFailsTheReadInsteadOfMixingBytes() throws Exception {
    Path p = TestFiles.deviceDir("changed").resolve("f");
    TestFiles.fallocate(p, 4L * B);
    try (OpenFile f = OpenFile.open(p);
        DevicePath path = new DevicePath();
        HostBuffer buf = new HostBuffer(4L * B)) {
      Grant g = Grant.issue(ExtentMapper.map(f, true));
      Namespace ns = new NamespaceTable().attach(f);
      path.bind(ns, g);
      Files.write(p, new byte[] {1}, StandardOpenOption.APPEND);
      assertThatThrownBy(() -> path.read(ns, 0, buf.address(), 4L * B))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("discarded")
          .hasMessageContaining("size " + 4 * B);
      assertThat(ns.isRevoked()).isTrue();
      assertThatThrownBy(() -> path.read(ns, 0, buf.address(), 4L * B))
          .hasMessageContaining("revoked");
      assertThat(path.canServe(ns, 0, buf.address(), 4L * B)).isFalse();
    }
  }

  @Test
  void osOnlyFilesAndMisalignedCommandsAreRefused() throws Exception {
    Path shm = Path.of("/dev/shm");
    assumeTrue(Files.isDirectory(shm), "no /dev/shm here");
    Path p = Files.createTempFile(shm, "homi-device", ".bin");
    try (OpenFile f = OpenFile.open(Files.write(p, TestFiles.random(3 * B, 5)));
        DevicePath path = new DevicePath();
        HostBuffer buf = new HostBuffer(4L * B)) {
      Grant g = Grant.issue(ExtentMapper.map(f, true));
      Namespace ns = new NamespaceTable().attach(f);
      path.bind(ns, g);
      assertThat(path.canServe(ns, 0, buf.address(), 4L * B)).isFalse();
      assertThatThrownBy(() -> path.read(ns, 0, buf.address(), 4L * B))
          .isInstanceOf(IOException.class)
          .hasMessageContaining(p.toString());
    } finally {
      Files.deleteIfExists(p);
    }
    Path q = TestFiles.deviceDir("align").resolve("f");
    TestFiles.writeAt(q, 0, TestFiles.random(2 * B, 1));
    try (OpenFile f = OpenFile.open(q);
        DevicePath path = new DevicePath();
        HostBuffer buf = new HostBuffer(4L * B)) {
      Namespace ns = new NamespaceTable().attach(f);
      assertThatThrownBy(() -> path.read(ns, 0, buf.address(), B)).hasMessageContaining("no grant");
      path.bind(ns, Grant.issue(ExtentMapper.map(f, true)));
      assertThat(path.canServe(ns, 512, buf.address(), B)).isFalse();
      assertThatThrownBy(() -> path.read(ns, 512, buf.address(), B))
          .hasMessageContaining("aligned");
    }
  }

  @Test
  void aGrantForAnotherIdentityCannotBeBound() throws Exception {
    Path p = TestFiles.deviceDir("bind").resolve("f");
    TestFiles.writeAt(p, 0, TestFiles.random(B, 1));
    try (OpenFile f = OpenFile.open(p)) {
      Grant g = Grant.issue(ExtentMapper.map(f, true));
      Files.write(p, new byte[] {1}, StandardOpenOption.APPEND);
      try (OpenFile again = OpenFile.open(p);
          DevicePath path = new DevicePath()) {
        Namespace ns = new NamespaceTable().attach(again);
        assertThatThrownBy(() -> path.bind(ns, g)).isInstanceOf(IllegalArgumentException.class);
      }
    }
  }
}
