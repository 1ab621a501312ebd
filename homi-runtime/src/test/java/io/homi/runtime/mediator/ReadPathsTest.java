package io.homi.runtime.mediator;

import static org.assertj.core.api.Assertions.assertThat;

import io.homi.runtime.nvme.NvmeCommand;
import io.homi.runtime.nvme.NvmeStatus;
import io.homi.runtime.os.HostBuffer;
import io.homi.runtime.os.OpenFile;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.function.IntConsumer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Valid PRP and SGL reads land the right bytes where the pointers say, on every path. */
class ReadPathsTest {
  static final long SIZE = 10 * 4096 + 1808; // 11 blocks, the last one partial

  private record Env(Mediator m, RawQueue q, Namespace ns, HostBuffer buf, OpenFile file)
      implements AutoCloseable {
    List<RawQueue.Cqe> run(IntConsumer writer) {
      q.add(writer);
      q.ring();
      m.wake();
      return q.await(m, 1, 10_000);
    }

    @Override
    public void close() {
      m.close();
      file.close();
      buf.close();
    }
  }

  private static Env env(PathPolicy.Mode mode) throws Exception {
    Path p = TestData.file("readpaths.bin", SIZE);
    NamespaceTable t = new NamespaceTable();
    BufferRegistry reg = new BufferRegistry();
    Mediator m = new Mediator(t, reg, Mediator.Settings.of(1L << 20, 2));
    OpenFile f = OpenFile.open(p);
    Namespace ns = t.attach(f);
    HostBuffer buf = TestData.buffer(reg, 1L << 20);
    RawQueue q = new RawQueue(m.createQueuePair(16, 16, new PathPolicy(mode, 0)));
    return new Env(m, q, ns, buf, f);
  }

  private static void assertOk(List<RawQueue.Cqe> c, long bytes) {
    assertThat(c).hasSize(1);
    assertThat(c.get(0).status()).isEqualTo(NvmeStatus.SUCCESS);
    assertThat(c.get(0).result()).isEqualTo(bytes);
  }

  private static void assertBytes(HostBuffer b, long at, int len, long fileOffset) {
    ByteBuffer v = b.view(0, (int) b.capacity());
    assertThat(TestData.firstMismatch(v, (int) at, len, fileOffset, SIZE))
        .as("first wrong byte")
        .isEqualTo(-1L);
  }

  @ParameterizedTest
  @EnumSource(
      value = PathPolicy.Mode.class,
      names = "GPU",
      mode = EnumSource.Mode.EXCLUDE) // host memory
  void sglReadIncludingZeroTailPastEof(PathPolicy.Mode mode) throws Exception {
    try (Env e = env(mode)) {
      long a = e.buf.address();
      assertOk(
          e.run(s -> NvmeCommand.writeReadSgl(e.q.sq(), s, 10, e.ns.nsid(), 2, 2, a, 3 * 4096)),
          3 * 4096);
      assertBytes(e.buf, 0, 3 * 4096, 2 * 4096);
      // the last block: 1808 bytes of file, then zeros (the buffer held 0xAA)
      assertOk(
          e.run(s -> NvmeCommand.writeReadSgl(e.q.sq(), s, 11, e.ns.nsid(), 9, 1, a + 65536, 8192)),
          4096 + 1808);
      assertBytes(e.buf, 65536, 8192, 9 * 4096);
      assertThat(e.buf.view(65536 + 4096 + 1808, 1).get(0)).isZero();
    }
  }

  @ParameterizedTest
  @EnumSource(
      value = PathPolicy.Mode.class,
      names = {"AUTO", "OS"})
  void prpOnePageTwoPagesAndListInScatteredOrder(PathPolicy.Mode mode) throws Exception {
    try (Env e = env(mode)) {
      long a = e.buf.address();
      long page = 4096;
      // one page, PRP1 at an offset inside its page (dword aligned): 4096 bytes cross into PRP2
      assertOk(
          e.run(
              s ->
                  NvmeCommand.writeReadPrp(
                      e.q.sq(), s, 1, e.ns.nsid(), 0, 0, a + 512, a + 5 * page)),
          4096);
      assertBytes(e.buf, 512, 4096 - 512, 0);
      assertBytes(e.buf, 5 * page, 512, 4096 - 512);
      // two pages, second before the first in memory
      assertOk(
          e.run(
              s ->
                  NvmeCommand.writeReadPrp(
                      e.q.sq(), s, 2, e.ns.nsid(), 3, 1, a + 20 * page, a + 10 * page)),
          8192);
      assertBytes(e.buf, 20 * page, 4096, 3 * page);
      assertBytes(e.buf, 10 * page, 4096, 4 * page);
      // PRP list: 5 blocks (1 in PRP1 + 4 listed), pages reversed, ending past EOF
      ByteBuffer list = e.buf.view(100 * page, 32);
      for (int i = 0; i < 4; i++) list.putLong(i * 8, a + (60 - 2L * i) * page);
      assertOk(
          e.run(
              s ->
                  NvmeCommand.writeReadPrp(
                      e.q.sq(), s, 3, e.ns.nsid(), 6, 4, a + 40 * page, a + 100 * page)),
          4 * 4096 + 1808);
      assertBytes(e.buf, 40 * page, 4096, 6 * page);
      for (int i = 0; i < 4; i++) assertBytes(e.buf, (60 - 2L * i) * page, 4096, (7 + i) * page);
      // contiguous listed pages merge into one read per run
      for (int i = 0; i < 4; i++) list.putLong(i * 8, a + (71 + i) * page);
      PathStats.Snapshot before = e.m.stats().snapshot();
      assertOk(
          e.run(
              s ->
                  NvmeCommand.writeReadPrp(
                      e.q.sq(), s, 4, e.ns.nsid(), 0, 4, a + 70 * page, a + 100 * page)),
          5 * 4096);
      assertBytes(e.buf, 70 * page, 5 * 4096, 0);
      PathStats.Snapshot d = e.m.stats().snapshot().minus(before);
      assertThat(d.executed()).isEqualTo(1);
      assertThat(d.totalBytes()).isEqualTo(5 * 4096);
    }
  }

  @ParameterizedTest
  @EnumSource(
      value = PathPolicy.Mode.class,
      names = {"DIRECT"})
  void directPathReadsPageAlignedPrpsWithoutThePageCache(PathPolicy.Mode mode) throws Exception {
    try (Env e = env(mode)) {
      long a = e.buf.address();
      PathStats.Snapshot before = e.m.stats().snapshot();
      assertOk(
          e.run(
              s ->
                  NvmeCommand.writeReadPrp(
                      e.q.sq(), s, 2, e.ns.nsid(), 3, 1, a + 20 * 4096, a + 10 * 4096)),
          8192);
      assertBytes(e.buf, 20 * 4096, 4096, 3 * 4096);
      assertBytes(e.buf, 10 * 4096, 4096, 4 * 4096);
      PathStats.Snapshot d = e.m.stats().snapshot().minus(before);
      assertThat(d.bytes(PathKind.DIRECT)).isEqualTo(8192);
      assertThat(d.bytes(PathKind.OS)).isZero();
      assertThat(d.inline()).isZero();
    }
  }
}
