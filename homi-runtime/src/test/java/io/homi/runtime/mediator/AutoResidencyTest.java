package io.homi.runtime.mediator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.homi.runtime.nvme.NvmeCommand;
import io.homi.runtime.nvme.NvmeStatus;
import io.homi.runtime.os.HostBuffer;
import io.homi.runtime.os.Libc;
import io.homi.runtime.os.OpenFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code auto} decides cached vs cold by mincore ({@link PageResidency}), so a cold range goes to
 * Direct without a RWF_NOWAIT probe first (whose miss would start readahead of the same pages), and
 * a warm one is copied from the page cache on the OS path.
 */
class AutoResidencyTest {
  static final long SIZE = 4L << 20;
  static final int CMD = 1 << 20;

  /**
   * A fresh pattern file, written back and dropped from the page cache; null when that is
   * impossible.
   */
  private static Path coldFile(String name) throws Exception {
    Path p = TestData.file(name, SIZE);
    try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      ch.force(true); // dirty pages cannot be dropped
    }
    return p;
  }

  private static void drop(OpenFile f) {
    Libc.posix_fadvise(f.fd(), 0, 0, Libc.POSIX_FADV_DONTNEED);
  }

  private static void warm(OpenFile f, HostBuffer b) {
    for (long o = 0; o < SIZE; o += CMD) Libc.preadFully(f.fd(), b.address(), CMD, o);
  }

  @Test
  void residentPrefixFollowsThePageCacheWithoutFillingIt() throws Exception {
    Path p = coldFile("residency.bin");
    NamespaceTable t = new NamespaceTable();
    try (OpenFile f = OpenFile.open(p);
        PageResidency r = new PageResidency();
        HostBuffer b = new HostBuffer(CMD)) {
      Namespace ns = t.attach(f);
      drop(f);
      assertThat(r.residentPrefix(ns, 0, SIZE)).isNotEqualTo(PageResidency.UNKNOWN);
      assumeTrue(
          r.residentPrefix(ns, 0, SIZE) == 0,
          "the file system kept the pages cached after DONTNEED");
      // asking starts no I/O: still cold after being asked
      assertThat(r.residentPrefix(ns, 0, SIZE)).isZero();
      Libc.preadFully(
          f.fd(), b.address(), 3 * 4096, 8192); // pages 2..4 (and whatever readahead adds)
      assertThat(r.residentPrefix(ns, 8192, 3 * 4096)).isEqualTo(3 * 4096);
      assertThat(r.resident(ns, 8192 + 100, 3 * 4096 - 100)).isTrue();
      assertThat(r.residentPrefix(ns, 0, 4096)).isZero();
      warm(f, b);
      assertThat(r.resident(ns, 0, SIZE)).isTrue();
      assertThat(r.residentPrefix(ns, SIZE - 4096, 1 << 20))
          .isEqualTo(1 << 20); // past EOF counts as resident
      assertThat(r.residentPrefix(ns, SIZE + 4096, 4096)).isEqualTo(4096);
      drop(f);
      assertThat(r.residentPrefix(ns, 0, SIZE)).isZero();
      // a detached namespace's mapping goes when the next file is mapped
      t.detach(ns);
      Namespace again = t.attach(f);
      assertThat(r.residentPrefix(again, 0, SIZE)).isZero();
      assertThat(r.mapped()).isEqualTo(1);
    }
  }

  @Test
  void coldLargeCommandsGoToDirectAndWarmOnesToOs() throws Exception {
    Path p = coldFile("auto-residency.bin");
    NamespaceTable t = new NamespaceTable();
    BufferRegistry reg = new BufferRegistry();
    try (Mediator m = new Mediator(t, reg, Mediator.Settings.of(1L << 20, 2));
        OpenFile f = OpenFile.open(p);
        HostBuffer buf = TestData.buffer(reg, CMD);
        PageResidency r = new PageResidency()) {
      Namespace ns = t.attach(f);
      assumeTrue(f.directFd() >= 0, "O_DIRECT refused on this file system");
      drop(f);
      assumeTrue(
          r.residentPrefix(ns, 0, SIZE) == 0,
          "the file system kept the pages cached after DONTNEED");
      RawQueue q =
          new RawQueue(m.createQueuePair(16, 16, new PathPolicy(PathPolicy.Mode.AUTO, 256 << 10)));

      PathStats.Snapshot before = m.stats().snapshot();
      for (int i = 0; i < SIZE / CMD; i++) read(m, q, ns, buf, i);
      PathStats.Snapshot cold = m.stats().snapshot().minus(before);
      assertThat(cold.bytes(PathKind.DIRECT)).isEqualTo(SIZE);
      assertThat(cold.bytes(PathKind.OS)).isZero();
      assertThat(cold.commands(PathKind.OS)).isZero();
      // no probe read started readahead: the page cache is as cold as before
      assertThat(r.residentPrefix(ns, 0, SIZE)).isZero();

      warm(f, buf);
      before = m.stats().snapshot();
      for (int i = 0; i < SIZE / CMD; i++) read(m, q, ns, buf, i);
      PathStats.Snapshot hot = m.stats().snapshot().minus(before);
      assertThat(hot.bytes(PathKind.OS)).isEqualTo(SIZE);
      assertThat(hot.bytes(PathKind.DIRECT)).isZero();

      // half warm: the resident first half is copied, the cold second half goes to Direct
      Libc.posix_fadvise(
          f.fd(), CMD / 2, SIZE - CMD / 2, Libc.POSIX_FADV_DONTNEED); // still warm below CMD/2
      long prefix = r.residentPrefix(ns, 0, CMD);
      assumeTrue(prefix == CMD / 2, "the page cache kept the second half");
      before = m.stats().snapshot();
      read(m, q, ns, buf, 0);
      PathStats.Snapshot half = m.stats().snapshot().minus(before);
      assertThat(half.bytes(PathKind.OS)).isEqualTo(prefix);
      assertThat(half.bytes(PathKind.DIRECT)).isEqualTo(CMD - prefix);
    }
  }

  private static void read(Mediator m, RawQueue q, Namespace ns, HostBuffer buf, int i) {
    q.add(
        s ->
            NvmeCommand.writeReadSgl(
                q.sq(),
                s,
                i,
                ns.nsid(),
                (long) i * CMD / 4096,
                CMD / 4096 - 1,
                buf.address(),
                CMD));
    q.ring();
    m.wake();
    List<RawQueue.Cqe> c = q.await(m, 1, 10_000);
    assertThat(c).hasSize(1);
    assertThat(c.get(0).status()).isEqualTo(NvmeStatus.SUCCESS);
    ByteBuffer v = buf.view(0, CMD);
    assertThat(TestData.matchesWords(v, 0, CMD, (long) i * CMD)).isTrue();
  }
}
