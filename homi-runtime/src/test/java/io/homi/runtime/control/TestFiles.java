package io.homi.runtime.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.homi.runtime.os.Libc;
import io.homi.runtime.os.OpenFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Files with a known shape on a real ext4/xfs directory, and filefrag's view of them. */
final class TestFiles {
  static final int BLOCK = 4096;

  private TestFiles() {}

  /**
   * A fresh directory under {@link DeviceTestDir#root()} (the loop-device ext4 bin/test mounts,
   * else target/ on the checkout's file system), skipping unless FIEMAP maps it to a device; where
   * a device directory was configured, failing instead.
   */
  static Path deviceDir(String name) throws IOException {
    Path dir =
        Files.createTempDirectory(
            Files.createDirectories(DeviceTestDir.root().resolve("control-tests")), name);
    Path probe = dir.resolve(".probe");
    Files.write(probe, new byte[1]);
    try (OpenFile f = OpenFile.open(probe)) {
      long magic = ExtentMapper.fsType(f.fd(), f.path());
      String why =
          dir
              + " is on file system 0x"
              + Long.toHexString(magic)
              + ", not ext4/xfs: extent tests need one"
              + DeviceTestDir.hint();
      if (DeviceTestDir.required())
        assertThat(ExtentMapper.DEVICE_ADDRESSED.containsKey(magic)).as(why).isTrue();
      assumeTrue(ExtentMapper.DEVICE_ADDRESSED.containsKey(magic), why);
    }
    return dir;
  }

  /**
   * Skips (or, where a device directory was configured, fails) when the device behind a grant
   * cannot be opened.
   */
  static void assumeDeviceOpens(int fd, Grant g) {
    String why =
        "cannot open "
            + g.device().node()
            + " for reading: "
            + Libc.strerror(-fd)
            + " (needs root and a device cgroup that allows it)"
            + DeviceTestDir.hint();
    if (DeviceTestDir.required()) assertThat(fd).as(why).isGreaterThanOrEqualTo(0);
    assumeTrue(fd >= 0, why);
  }

  static byte[] random(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  /** Writes {@code data} at {@code offset} and fsyncs, so the blocks are allocated and on disk. */
  static void writeAt(Path p, long offset, byte[] data) throws IOException {
    try (FileChannel ch =
        FileChannel.open(p, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      ByteBuffer bb = ByteBuffer.wrap(data);
      while (bb.hasRemaining()) ch.write(bb, offset + bb.position());
      ch.force(true);
    }
  }

  static void fallocate(Path p, long length) throws IOException {
    Files.write(p, new byte[0]);
    int fd = Libc.open(p.toAbsolutePath().toString(), Libc.O_RDWR | Libc.O_CLOEXEC);
    try {
      Libc.fallocate(fd, 0, 0, length);
      Libc.fsync(fd);
    } finally {
      Libc.close(fd);
    }
  }

  /** One line of {@code filefrag -v}, in file-system blocks. */
  record Frag(long logical, long physical, long length, String flags) {}

  private static final Pattern LINE =
      Pattern.compile(
          "^\\s*\\d+:\\s+(\\d+)\\.\\.\\s*(\\d+):\\s+(\\d+)\\.\\.\\s*(\\d+):\\s+(\\d+):\\s*(?:\\d+:)?\\s*(\\S*)\\s*$");

  /** Runs {@code filefrag -v -b4096} (skips the test when e2fsprogs is missing) and parses it. */
  static List<Frag> filefrag(Path p) throws Exception {
    Process pr;
    try {
      pr =
          new ProcessBuilder("filefrag", "-v", "-b" + BLOCK, p.toString())
              .redirectErrorStream(true)
              .start();
    } catch (IOException e) {
      assumeTrue(
          false,
          "filefrag is not installed (scripts/install-test-tools.sh installs e2fsprogs): "
              + e.getMessage());
      throw e;
    }
    String out = new String(pr.getInputStream().readAllBytes());
    assertThat(pr.waitFor()).as("filefrag output:\n%s", out).isZero();
    List<Frag> frags = new ArrayList<>();
    for (String line : out.split("\n")) {
      Matcher m = LINE.matcher(line);
      if (m.matches()) {
        frags.add(
            new Frag(
                Long.parseLong(m.group(1)),
                Long.parseLong(m.group(3)),
                Long.parseLong(m.group(5)),
                m.group(6)));
      }
    }
    return frags;
  }
}
