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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every invalid command completes with its NVMe status and reaches no storage: the counters of
 * commands executed and bytes moved on any path stay where they were, only "refused" grows.
 */
class ValidationTest {
  static final long MDTS = 1L << 20;
  static NamespaceTable table;
  static BufferRegistry reg;
  static Mediator m;
  static OpenFile file;
  static Namespace ns;
  static Namespace revoked;
  static HostBuffer buf;
  static RawQueue q;

  @BeforeAll
  static void setUp() throws Exception {
    Path p = TestData.file("validation.bin", 40_000); // 10 blocks, the last one partial
    table = new NamespaceTable();
    reg = new BufferRegistry();
    m = new Mediator(table, reg, Mediator.Settings.of(MDTS, 2));
    file = OpenFile.open(p);
    ns = table.attach(file);
    revoked = table.attach(OpenFile.open(p));
    revoked.revoke("test");
    buf = TestData.buffer(reg, 4L << 20);
    q = new RawQueue(m.createQueuePair(64, 64, new PathPolicy(PathPolicy.Mode.AUTO, 0)));
  }

  @AfterAll
  static void tearDown() {
    m.close();
    file.close();
    revoked.file().close();
  }

  private static NvmeStatus refusedWith(IntConsumer writer) {
    PathStats.Snapshot before = m.stats().snapshot();
    q.add(writer);
    q.ring();
    m.wake();
    List<RawQueue.Cqe> c = q.await(m, 1, 5000);
    assertThat(c).hasSize(1);
    PathStats.Snapshot d = m.stats().snapshot().minus(before);
    assertThat(d.executed()).as("commands that reached storage").isZero();
    assertThat(d.totalBytes()).isZero();
    assertThat(d.totalCommands()).isZero();
    assertThat(d.refused()).isEqualTo(c.get(0).status() == NvmeStatus.SUCCESS ? 0 : 1);
    return c.get(0).status();
  }

  private static IntConsumer sgl(int nsid, long slba, int blocks, long addr, int len) {
    return s -> NvmeCommand.writeReadSgl(q.sq(), s, 1, nsid, slba, blocks - 1, addr, len);
  }

  private static IntConsumer prp(long slba, int blocks, long prp1, long prp2) {
    return s -> NvmeCommand.writeReadPrp(q.sq(), s, 2, ns.nsid(), slba, blocks - 1, prp1, prp2);
  }

  @Test
  void opcodesOtherThanReadAreRefused() {
    for (int op : new int[] {NvmeCommand.OPC_FLUSH, 0x05, 0x7F, 0xFF}) {
      assertThat(refusedWith(s -> NvmeCommand.writeRaw(q.sq(), s, op, 3, ns.nsid(), 0, 0)))
          .as("opcode %d", op)
          .isEqualTo(NvmeStatus.INVALID_OPCODE);
    }
    assertThat(
            refusedWith(
                s -> NvmeCommand.writeRaw(q.sq(), s, NvmeCommand.OPC_WRITE, 3, ns.nsid(), 0, 0)))
        .isEqualTo(NvmeStatus.NAMESPACE_WRITE_PROTECTED);
  }

  @Test
  void unknownAndRevokedNamespacesAreRefused() {
    for (int nsid : new int[] {0, 999, -1}) {
      assertThat(refusedWith(sgl(nsid, 0, 1, buf.address(), 4096)))
          .isEqualTo(NvmeStatus.INVALID_NAMESPACE);
    }
    assertThat(refusedWith(sgl(revoked.nsid(), 0, 1, buf.address(), 4096)))
        .isEqualTo(NvmeStatus.ACCESS_DENIED);
  }

  @Test
  void lbasOutsideTheGrantAreRefused() {
    long cap = ns.capacityLbas();
    assertThat(cap).isEqualTo(10);
    assertThat(refusedWith(sgl(ns.nsid(), cap, 1, buf.address(), 4096)))
        .isEqualTo(NvmeStatus.LBA_OUT_OF_RANGE);
    assertThat(refusedWith(sgl(ns.nsid(), cap - 1, 2, buf.address(), 8192)))
        .isEqualTo(NvmeStatus.LBA_OUT_OF_RANGE);
    assertThat(refusedWith(sgl(ns.nsid(), -1L, 1, buf.address(), 4096)))
        .isEqualTo(NvmeStatus.LBA_OUT_OF_RANGE);
    // would overflow a naive slba + blocks check
    assertThat(refusedWith(sgl(ns.nsid(), Long.MAX_VALUE - 1, 4, buf.address(), 16384)))
        .isEqualTo(NvmeStatus.LBA_OUT_OF_RANGE);
  }

  @Test
  void transfersAboveMdtsAreRefused() {
    int blocks = (int) (MDTS / 4096) + 1;
    assertThat(refusedWith(sgl(ns.nsid(), 0, blocks, buf.address(), blocks * 4096)))
        .isEqualTo(NvmeStatus.INVALID_FIELD);
  }

  @Test
  void malformedSglsAreRefused() {
    assertThat(refusedWith(sgl(ns.nsid(), 0, 2, buf.address(), 4096)))
        .isEqualTo(NvmeStatus.DATA_SGL_LENGTH_INVALID);
    assertThat(refusedWith(sgl(ns.nsid(), 0, 1, buf.address(), 8192)))
        .isEqualTo(NvmeStatus.DATA_SGL_LENGTH_INVALID);
    for (int id :
        new int[] {
          0x10, 0x20, 0x30, 0x50, 0x01
        }) { // bit bucket, segment, last segment, transport, subtype
      assertThat(
              refusedWith(
                  s -> {
                    NvmeCommand.writeReadSgl(q.sq(), s, 4, ns.nsid(), 0, 0, buf.address(), 4096);
                    NvmeCommand.setSglIdentifier(q.sq(), s, id);
                  }))
          .as("SGL id 0x%02x", id)
          .isEqualTo(NvmeStatus.SGL_DESCRIPTOR_TYPE_INVALID);
    }
    for (int psdt : new int[] {2, 3}) {
      assertThat(
              refusedWith(
                  s -> {
                    NvmeCommand.writeReadSgl(q.sq(), s, 4, ns.nsid(), 0, 0, buf.address(), 4096);
                    NvmeCommand.setPsdt(q.sq(), s, psdt);
                  }))
          .isEqualTo(NvmeStatus.INVALID_FIELD);
    }
  }

  @Test
  void destinationsOutsideRegisteredMemoryAreRefused() {
    try (HostBuffer unregistered = new HostBuffer(8192)) {
      assertThat(refusedWith(sgl(ns.nsid(), 0, 1, unregistered.address(), 4096)))
          .isEqualTo(NvmeStatus.DATA_TRANSFER_ERROR);
      assertThat(refusedWith(prp(0, 1, unregistered.address(), 0)))
          .isEqualTo(NvmeStatus.DATA_TRANSFER_ERROR);
      assertThat(refusedWith(prp(0, 2, buf.address(), unregistered.address())))
          .isEqualTo(NvmeStatus.DATA_TRANSFER_ERROR);
    }
    long end = buf.address() + buf.capacity();
    assertThat(refusedWith(sgl(ns.nsid(), 0, 2, end - 4096, 8192)))
        .isEqualTo(NvmeStatus.DATA_TRANSFER_ERROR);
    assertThat(refusedWith(sgl(ns.nsid(), 0, 1, 0, 4096)))
        .isEqualTo(NvmeStatus.DATA_TRANSFER_ERROR);
  }

  @Test
  void malformedPrpsAreRefused() {
    long a = buf.address();
    assertThat(refusedWith(prp(0, 1, a + 2, 0))).isEqualTo(NvmeStatus.PRP_OFFSET_INVALID);
    assertThat(refusedWith(prp(0, 2, a, a + 8192 + 512))).isEqualTo(NvmeStatus.PRP_OFFSET_INVALID);
    // a PRP list that is not in registered memory
    try (HostBuffer unregistered = new HostBuffer(4096)) {
      assertThat(refusedWith(prp(0, 4, a, unregistered.address())))
          .isEqualTo(NvmeStatus.DATA_TRANSFER_ERROR);
    }
    // PRP list entries: misaligned, null, outside registered memory
    ByteBuffer list = buf.view(1L << 20, 64);
    long listAddr = a + (1L << 20);
    list.putLong(0, a + 16384);
    list.putLong(8, a + 20480 + 8);
    list.putLong(16, a + 24576);
    assertThat(refusedWith(prp(0, 4, a, listAddr))).isEqualTo(NvmeStatus.PRP_OFFSET_INVALID);
    list.putLong(8, 0);
    assertThat(refusedWith(prp(0, 4, a, listAddr))).isEqualTo(NvmeStatus.PRP_OFFSET_INVALID);
    list.putLong(8, a + buf.capacity() + 4096 * 16);
    assertThat(refusedWith(prp(0, 4, a, listAddr))).isEqualTo(NvmeStatus.DATA_TRANSFER_ERROR);
  }
}
