package io.homi.runtime.mediator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.homi.runtime.io.HomiIoException;
import io.homi.runtime.io.QueueClient;
import io.homi.runtime.nvme.NvmeStatus;
import io.homi.runtime.os.HostBuffer;
import io.homi.runtime.os.IoUringSupport;
import io.homi.runtime.os.Libc;
import io.homi.runtime.os.OpenFile;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;

/**
 * Direct commands through the mediator's io_uring (on a real ext4 file): the same bytes, zero tails
 * and statuses as the I/O thread pool gives, reads held back when the ring is full, an error result
 * completed as Unrecovered Read Error naming the file, and the pool used when the ring is turned
 * off.
 */
class DirectRingTest {
  static final long SIZE = (16L << 20) + 5000; // ends inside a block

  private static Mediator mediator(NamespaceTable t, BufferRegistry reg, int ringEntries) {
    return new Mediator(t, reg, Mediator.Settings.of(1L << 20, 2).withDirectRing(ringEntries));
  }

  private static void readWholeFile(
      int ringEntries, long task, int queueEntries, boolean expectRing) throws Exception {
    if (expectRing) IoUringSupport.assumeAvailable();
    Path p = TestData.file("direct-ring.bin", SIZE);
    NamespaceTable t = new NamespaceTable();
    BufferRegistry reg = new BufferRegistry();
    long span = (SIZE + 4095) & -4096L;
    try (Mediator m = mediator(t, reg, ringEntries);
        OpenFile f = OpenFile.open(p);
        HostBuffer buf = TestData.buffer(reg, span);
        QueueClient c =
            new QueueClient(m, queueEntries, task, new PathPolicy(PathPolicy.Mode.DIRECT, 0))) {
      assertThat(m.directRing()).as(m.directEngine()).isEqualTo(expectRing);
      Namespace ns = t.attach(f);
      c.read(ns, 0, SIZE, buf.address());
      assertThat(TestData.firstMismatch(buf.view(0, (int) span), 0, (int) span, 0, SIZE))
          .isEqualTo(-1L);
      PathStats.Snapshot s = c.stats();
      long commands = (SIZE + task - 1) / task;
      assertThat(s.executed()).isEqualTo(commands);
      assertThat(s.ringed()).isEqualTo(expectRing ? commands : 0);
      assertThat(s.bytes(PathKind.DIRECT)).isEqualTo(SIZE);
      assertThat(s.bytes(PathKind.OS)).isZero();
      assertThat(s.errors()).isZero();
    }
  }

  @Test
  void directCommandsGoThroughTheRingWithTheSameBytesAndZeroTail() throws Exception {
    readWholeFile(64, 1L << 20, 33, true);
  }

  @Test
  void aFullRingHoldsReadsBackAndLosesNone() throws Exception {
    // 2 SQEs: at most 4 reads in flight, while the queue pair has 63 commands of 64 KiB out.
    readWholeFile(2, 64L << 10, 64, true);
  }

  @Test
  void withTheRingOffTheThreadPoolServesDirect() throws Exception {
    readWholeFile(0, 1L << 20, 33, false);
  }

  @Test
  void autoSendsWhollyColdCommandsThroughTheRing() throws Exception {
    IoUringSupport.assumeAvailable();
    Path p = TestData.file("direct-ring-auto.bin", 8L << 20);
    NamespaceTable t = new NamespaceTable();
    BufferRegistry reg = new BufferRegistry();
    try (Mediator m = mediator(t, reg, 64);
        OpenFile f = OpenFile.open(p);
        HostBuffer buf = TestData.buffer(reg, 8L << 20);
        QueueClient c =
            new QueueClient(m, 16, 1L << 20, new PathPolicy(PathPolicy.Mode.AUTO, 256L << 10))) {
      Namespace ns = t.attach(f);
      try (FileChannel ch =
          FileChannel.open(p, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
        ch.force(true); // dirty pages would stay cached
      }
      Libc.posix_fadvise(f.fd(), 0, 0, Libc.POSIX_FADV_DONTNEED);
      try (PageResidency r = new PageResidency()) {
        assumeTrue(r.residentPrefix(ns, 0, 8L << 20) == 0, "the page cache kept the file");
      }
      c.read(ns, 0, 8L << 20, buf.address());
      assertThat(TestData.matchesWords(buf.view(0, 8 << 20), 0, 8 << 20, 0)).isTrue();
      PathStats.Snapshot s = c.stats();
      assertThat(s.ringed()).isEqualTo(8);
      assertThat(s.bytes(PathKind.DIRECT)).isEqualTo(8L << 20);
      assertThat(s.bytes(PathKind.OS)).isZero();
      // warm now: the same read is the OS path's, not the ring's
      Libc.preadFully(f.fd(), buf.address(), 8L << 20, 0);
      c.read(ns, 0, 8L << 20, buf.address());
      assertThat(c.stats().minus(s).ringed()).isZero();
    }
  }

  @Test
  void whereIoUringSetupFailsThePoolServesAndSaysWhy() throws Exception {
    // More SQEs than the kernel allows (32768): io_uring_setup fails with EINVAL, as it would
    // with EPERM under a seccomp filter or io_uring_disabled; the mediator falls back.
    try (Mediator m = mediator(new NamespaceTable(), new BufferRegistry(), 1 << 16)) {
      assertThat(m.directRing()).isFalse();
      assertThat(m.directEngine()).startsWith("I/O thread pool").contains("io_uring_setup failed");
    }
  }

  @Test
  void aFailedReadCompletesAsUnrecoveredReadErrorNamingTheFile() throws Exception {
    IoUringSupport.assumeAvailable();
    Path p = TestData.file("direct-ring-error.bin", 1L << 20);
    NamespaceTable t = new NamespaceTable();
    BufferRegistry reg = new BufferRegistry();
    try (Mediator m = mediator(t, reg, 8);
        HostBuffer buf = TestData.buffer(reg, 1L << 20);
        QueueClient c =
            new QueueClient(m, 8, 1L << 20, new PathPolicy(PathPolicy.Mode.DIRECT, 0))) {
      OpenFile f = OpenFile.open(p);
      Namespace ns = t.attach(f);
      assertThat(f.directFd()).isPositive();
      f.close(); // its descriptors are closed under the namespace: the read fails with EBADF
      assertThatThrownBy(() -> c.read(ns, 0, 1L << 20, buf.address()))
          .isInstanceOf(HomiIoException.class)
          .hasMessageContaining(p.toAbsolutePath().toString())
          .hasMessageContaining("O_DIRECT read")
          .hasMessageContaining("Bad file descriptor")
          .satisfies(
              e ->
                  assertThat(((HomiIoException) e).status())
                      .isEqualTo(NvmeStatus.UNRECOVERED_READ_ERROR));
      assertThat(c.stats().errors()).isEqualTo(1);
      assertThat(c.stats().ringed()).isEqualTo(1);
    }
  }
}
