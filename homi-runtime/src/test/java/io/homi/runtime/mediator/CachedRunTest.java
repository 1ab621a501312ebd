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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * File-contiguous cached commands fetched in one batch are served by one vectored RWF_NOWAIT read
 * on the service thread, each landing where its own data pointer says; a page the cache lacks in
 * the middle of the run leaves the rest to be served one by one, still right.
 */
class CachedRunTest {
  static final long SIZE = 4L << 20;
  static final long HALF = 512; // blocks: a 2 MiB-aligned half the page cache can drop whole

  @ParameterizedTest
  @EnumSource(
      value = PathPolicy.Mode.class,
      names = {"AUTO", "OS"})
  void contiguousCommandsOfOneBatchAreServedTogetherAndRight(PathPolicy.Mode mode)
      throws Exception {
    Path p = TestData.file("cached-run.bin", SIZE);
    NamespaceTable t = new NamespaceTable();
    BufferRegistry reg = new BufferRegistry();
    // no service thread: one pollOnce is one fetch batch
    try (Mediator m =
            new Mediator(t, reg, new Mediator.Settings(1L << 20, 2, 1, 16, 128L << 10), false);
        OpenFile f = OpenFile.open(p);
        HostBuffer buf = TestData.buffer(reg, 64 * 4096)) {
      Namespace ns = t.attach(f);
      RawQueue q = new RawQueue(m.createQueuePair(32, 32, new PathPolicy(mode, 256 << 10)));
      warm(f, buf);
      // 12 commands: blocks 4..15, one block each, destinations in reverse order, then a
      // two-block command continuing the run and one elsewhere in the file (a new run)
      for (int i = 0; i < 12; i++) {
        int cid = i;
        long dst = buf.address() + (40 - i) * 4096L;
        q.add(s -> NvmeCommand.writeReadSgl(q.sq(), s, cid, ns.nsid(), 4 + cid, 0, dst, 4096));
      }
      q.add(
          s ->
              NvmeCommand.writeReadSgl(
                  q.sq(), s, 12, ns.nsid(), 16, 1, buf.address() + 50 * 4096L, 8192));
      q.add(
          s ->
              NvmeCommand.writeReadSgl(
                  q.sq(), s, 13, ns.nsid(), 40, 0, buf.address() + 60 * 4096L, 4096));
      q.ring();
      PathStats.Snapshot before = m.stats().snapshot();
      assertThat(m.pollOnce()).isEqualTo(14);
      List<RawQueue.Cqe> c = q.await(m, 14, 10_000);
      assertThat(c).hasSize(14).allMatch(e -> e.status() == NvmeStatus.SUCCESS);
      PathStats.Snapshot d = m.stats().snapshot().minus(before);
      assertThat(d.inline()).isEqualTo(14);
      assertThat(d.executed()).isEqualTo(14);
      assertThat(d.bytes(PathKind.OS)).isEqualTo(15 * 4096);
      ByteBuffer v = buf.view(0, 64 * 4096);
      for (int i = 0; i < 12; i++)
        assertThat(TestData.matchesWords(v, (40 - i) * 4096, 4096, (4 + i) * 4096L)).isTrue();
      assertThat(TestData.matchesWords(v, 50 * 4096, 8192, 16 * 4096L)).isTrue();
      assertThat(TestData.matchesWords(v, 60 * 4096, 4096, 40 * 4096L)).isTrue();

      // cold pages in the middle: the commands before it come from the vectored read, the
      // cold one and those after it are served one by one (inline or on the I/O pool)
      try (FileChannel ch =
          FileChannel.open(p, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
        ch.force(true);
      }
      // (a whole aligned half: the cache may hold the file in large folios it cannot split)
      Libc.posix_fadvise(f.fd(), HALF * 4096, SIZE - HALF * 4096, Libc.POSIX_FADV_DONTNEED);
      try (PageResidency r = new PageResidency()) {
        long prefix = r.residentPrefix(ns, (HALF - 4) * 4096, 8 * 4096);
        assumeTrue(prefix == 4 * 4096, "the page cache kept the pages: resident prefix " + prefix);
      }
      for (int i = 0; i < 64 * 4096; i += 8) v.putLong(i, 0);
      for (int i = 0; i < 8; i++) {
        int cid = 100 + i;
        long dst = buf.address() + (20 + 2 * i) * 4096L;
        q.add(
            s ->
                NvmeCommand.writeReadSgl(
                    q.sq(), s, cid, ns.nsid(), HALF - 4 + (cid - 100), 0, dst, 4096));
      }
      q.ring();
      assertThat(m.pollOnce()).isEqualTo(8);
      c = q.await(m, 8, 10_000);
      assertThat(c).hasSize(8).allMatch(e -> e.status() == NvmeStatus.SUCCESS);
      for (int i = 0; i < 8; i++)
        assertThat(TestData.matchesWords(v, (20 + 2 * i) * 4096, 4096, (HALF - 4 + i) * 4096L))
            .isTrue();
    }
  }

  private static void warm(OpenFile f, HostBuffer b) {
    for (long o = 0; o < SIZE; o += b.capacity())
      Libc.preadFully(f.fd(), b.address(), b.capacity(), o);
  }
}
