package io.homi.runtime.mediator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.homi.runtime.nvme.NvmeCommand;
import io.homi.runtime.nvme.NvmeStatus;
import io.homi.runtime.os.HostBuffer;
import io.homi.runtime.os.IoUringSupport;
import io.homi.runtime.os.Libc;
import io.homi.runtime.os.OpenFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Cached commands of one fetch batch at scattered offsets are copied by one io_uring submission of
 * RWF_NOWAIT reads, each landing where its data pointer says; commands whose pages are not cached
 * are left to the old path and still come out right; with io_uring off, one preadv2 each.
 */
class CachedBatchTest {
  static final long SIZE = 4L << 20;
  static final long HALF = 512; // blocks: a 2 MiB-aligned half the page cache can drop whole

  @ParameterizedTest
  @ValueSource(ints = {64, 0})
  void scatteredCachedCommandsAreServedByOneSubmission(int ringEntries) throws Exception {
    if (ringEntries > 0) IoUringSupport.assumeAvailable();
    Path p = TestData.file("cached-batch.bin", SIZE);
    NamespaceTable t = new NamespaceTable();
    BufferRegistry reg = new BufferRegistry();
    Mediator.Settings s =
        new Mediator.Settings(1L << 20, 2, 1, 16, 128L << 10).withDirectRing(ringEntries);
    try (Mediator m =
            new Mediator(t, reg, s, false); // no service thread: one pollOnce is one fetch batch
        OpenFile f = OpenFile.open(p);
        HostBuffer buf = TestData.buffer(reg, 64 * 4096)) {
      Namespace ns = t.attach(f);
      RawQueue q =
          new RawQueue(m.createQueuePair(32, 32, new PathPolicy(PathPolicy.Mode.AUTO, 256 << 10)));
      for (long o = 0; o < SIZE; o += buf.capacity())
        Libc.preadFully(f.fd(), buf.address(), buf.capacity(), o);
      // 16 one-block commands, no two adjacent in the file: no vectored run can take them
      long[] blocks = new long[16];
      for (int i = 0; i < 16; i++) blocks[i] = (i * 397L + 11) % (SIZE / 4096) / 2 * 2;
      for (int i = 0; i < 16; i++) {
        int cid = i;
        long dst = buf.address() + (63 - 3 * i) * 4096L;
        q.add(w -> NvmeCommand.writeReadSgl(q.sq(), w, cid, ns.nsid(), blocks[cid], 0, dst, 4096));
      }
      q.ring();
      PathStats.Snapshot before = m.stats().snapshot();
      assertThat(m.pollOnce()).isEqualTo(16);
      List<RawQueue.Cqe> c = q.await(m, 16, 10_000);
      assertThat(c)
          .hasSize(16)
          .allMatch(e -> e.status() == NvmeStatus.SUCCESS && e.result() == 4096);
      PathStats.Snapshot d = m.stats().snapshot().minus(before);
      assertThat(d.inline()).isEqualTo(16);
      assertThat(d.ringed()).isEqualTo(ringEntries == 0 ? 0 : 16);
      assertThat(d.bytes(PathKind.OS)).isEqualTo(16 * 4096);
      ByteBuffer v = buf.view(0, 64 * 4096);
      for (int i = 0; i < 16; i++) {
        assertThat(TestData.matchesWords(v, (63 - 3 * i) * 4096, 4096, blocks[i] * 4096))
            .as("command %d", i)
            .isTrue();
      }

      // the second half cold: its commands fail RWF_NOWAIT in the batch and are served the old way
      try (FileChannel ch =
          FileChannel.open(p, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
        ch.force(true);
      }
      Libc.posix_fadvise(f.fd(), HALF * 4096, SIZE - HALF * 4096, Libc.POSIX_FADV_DONTNEED);
      try (PageResidency r = new PageResidency()) {
        assumeTrue(r.residentPrefix(ns, HALF * 4096, 4096) == 0, "the page cache kept the pages");
      }
      for (int i = 0; i < 64 * 4096; i += 8) v.putLong(i, 0);
      for (int i = 0; i < 8; i++) {
        int cid = 100 + i;
        long block = i % 2 == 0 ? 2L * i : HALF + 100 + 2L * i; // cached, cold, cached, ...
        long dst = buf.address() + (2 + 4 * i) * 4096L;
        q.add(w -> NvmeCommand.writeReadSgl(q.sq(), w, cid, ns.nsid(), block, 0, dst, 4096));
      }
      q.ring();
      before = m.stats().snapshot();
      assertThat(m.pollOnce()).isEqualTo(8);
      c = q.await(m, 8, 10_000);
      assertThat(c)
          .hasSize(8)
          .allMatch(e -> e.status() == NvmeStatus.SUCCESS && e.result() == 4096);
      d = m.stats().snapshot().minus(before);
      assertThat(d.ringed()).isEqualTo(ringEntries == 0 ? 0 : 4);
      for (int i = 0; i < 8; i++) {
        long block = i % 2 == 0 ? 2L * i : HALF + 100 + 2L * i;
        assertThat(TestData.matchesWords(v, (2 + 4 * i) * 4096, 4096, block * 4096))
            .as("command %d", 100 + i)
            .isTrue();
      }
    }
  }
}
