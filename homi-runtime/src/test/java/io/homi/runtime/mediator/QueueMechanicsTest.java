package io.homi.runtime.mediator;

import static org.assertj.core.api.Assertions.assertThat;

import io.homi.runtime.nvme.NvmeCommand;
import io.homi.runtime.nvme.NvmeStatus;
import io.homi.runtime.nvme.QueuePair;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Queue mechanics with the service loop driven by hand ({@link Mediator#pollOnce}), so each step is
 * deterministic: round-robin with a budget, back-pressure on a full CQ, the phase tag flipping on
 * wrap, the one-empty-slot rule, CID conflicts. Commands here are refused ones (opcode 0x7F), which
 * complete synchronously during the poll.
 */
class QueueMechanicsTest {
  private Mediator m;
  private final PathPolicy auto = new PathPolicy(PathPolicy.Mode.AUTO, 0);

  @BeforeEach
  void setUp() {
    m =
        new Mediator(
            new NamespaceTable(),
            new BufferRegistry(),
            new Mediator.Settings(1L << 20, 1, 1, 16, 0),
            false);
  }

  @AfterEach
  void tearDown() {
    m.close();
  }

  private static void submitInvalid(RawQueue q, int n, int firstCid) {
    for (int i = 0; i < n; i++) {
      int cid = firstCid + i;
      q.add(s -> NvmeCommand.writeRaw(q.sq(), s, 0x7F, cid, 1, 0, 0));
    }
    q.ring();
  }

  @Test
  void roundRobinTakesAtMostTheBudgetPerQueuePerPass() {
    RawQueue a = new RawQueue(m.createQueuePair(128, 128, auto));
    RawQueue b = new RawQueue(m.createQueuePair(128, 128, auto));
    RawQueue c = new RawQueue(m.createQueuePair(128, 128, auto));
    submitInvalid(a, 60, 0);
    submitInvalid(b, 5, 0);
    submitInvalid(c, 40, 0);
    assertThat(m.pollOnce()).isEqualTo(16 + 5 + 16);
    assertThat(List.of(m.sqHead(a.qp), m.sqHead(b.qp), m.sqHead(c.qp))).containsExactly(16, 5, 16);
    assertThat(m.pollOnce()).isEqualTo(16 + 16);
    assertThat(m.pollOnce()).isEqualTo(16 + 8);
    assertThat(m.pollOnce()).isEqualTo(12);
    assertThat(a.reap()).hasSize(60);
    assertThat(b.reap()).hasSize(5);
    assertThat(c.reap()).hasSize(40);
  }

  @Test
  void fullCompletionQueueStopsFetchingAndLosesNothing() {
    RawQueue q = new RawQueue(m.createQueuePair(32, 4, auto));
    submitInvalid(q, 10, 100);
    assertThat(m.pollOnce()).isEqualTo(3); // CQ of 4 holds 3: one slot stays empty
    assertThat(m.pollOnce()).isZero(); // nothing consumed: back-pressure
    List<RawQueue.Cqe> seen = new ArrayList<>(q.reap());
    assertThat(seen).hasSize(3);
    assertThat(m.pollOnce()).isZero(); // consumed but the head doorbell not rung yet
    q.ringCqHead();
    assertThat(m.pollOnce()).isEqualTo(3);
    seen.addAll(q.reap());
    q.ringCqHead();
    while (m.pollOnce() > 0) {
      seen.addAll(q.reap());
      q.ringCqHead();
    }
    seen.addAll(q.reap());
    Set<Integer> cids = new HashSet<>();
    for (RawQueue.Cqe c : seen) {
      assertThat(cids.add(c.cid())).as("duplicate completion for CID %d", c.cid()).isTrue();
      assertThat(c.status()).isEqualTo(NvmeStatus.INVALID_OPCODE);
      assertThat(c.sqId()).isEqualTo(q.qp.id());
    }
    assertThat(cids).hasSize(10).allMatch(cid -> cid >= 100 && cid < 110);
  }

  @Test
  void phaseTagFlipsOnEveryWrapOfTheCompletionQueue() {
    RawQueue q = new RawQueue(m.createQueuePair(8, 4, auto));
    List<RawQueue.Cqe> all = new ArrayList<>();
    for (int round = 0; round < 5; round++) {
      submitInvalid(q, 3, round * 3);
      m.pollOnce();
      all.addAll(q.reap());
      q.ringCqHead();
    }
    assertThat(all).hasSize(15);
    for (int i = 0; i < all.size(); i++) {
      RawQueue.Cqe c = all.get(i);
      assertThat(c.slot()).isEqualTo(i % 4);
      assertThat(c.phase()).as("completion %d", i).isEqualTo((i / 4) % 2 == 0);
      assertThat(c.cid()).isEqualTo(i);
    }
  }

  @Test
  void oneSqSlotStaysEmptyAndHeadReportsProgress() {
    QueuePair qp = m.createQueuePair(4, 16, auto);
    RawQueue q = new RawQueue(qp);
    assertThat(q.sqRoom()).isEqualTo(3);
    submitInvalid(q, 3, 0);
    assertThat(q.sqRoom()).isZero(); // a 4th entry would make tail == head, i.e. "empty"
    assertThat(m.pollOnce()).isEqualTo(3);
    List<RawQueue.Cqe> c = q.reap();
    assertThat(c).extracting(RawQueue.Cqe::sqHead).last().isEqualTo(3);
    assertThat(q.sqRoom()).isEqualTo(3);
    // the doorbell at tail == head means empty: nothing is fetched twice
    assertThat(m.pollOnce()).isZero();
  }

  @Test
  void outOfRangeDoorbellsAreIgnored() {
    QueuePair qp = m.createQueuePair(4, 4, auto);
    qp.ringSqTail(4);
    assertThat(m.pollOnce()).isZero();
    qp.ringSqTail(-1);
    assertThat(m.pollOnce()).isZero();
    qp.ringSqTail(0);
    qp.ringCqHead(99); // a bogus CQ head: treated as nothing consumed
    RawQueue q = new RawQueue(qp);
    submitInvalid(q, 1, 0);
    assertThat(m.pollOnce()).isZero();
  }

  @Test
  void reusingACidStillInFlightIsACommandIdConflict() throws Exception {
    java.nio.file.Path p = TestData.file("cid.bin", 1 << 20);
    NamespaceTable t = new NamespaceTable();
    BufferRegistry reg = new BufferRegistry();
    // the only I/O thread is held, so the first read stays in flight while its CID is reused
    try (Mediator slow = new Mediator(t, reg, new Mediator.Settings(1L << 20, 1, 1, 16, 0), false);
        io.homi.runtime.os.OpenFile f = io.homi.runtime.os.OpenFile.open(p);
        io.homi.runtime.os.HostBuffer buf = TestData.buffer(reg, 8192)) {
      Namespace ns = t.attach(f);
      RawQueue q =
          new RawQueue(slow.createQueuePair(8, 8, new PathPolicy(PathPolicy.Mode.DIRECT, 0)));
      q.add(s -> NvmeCommand.writeReadSgl(q.sq(), s, 42, ns.nsid(), 0, 0, buf.address(), 4096));
      q.add(
          s ->
              NvmeCommand.writeReadSgl(q.sq(), s, 42, ns.nsid(), 1, 0, buf.address() + 4096, 4096));
      q.ring();
      java.util.concurrent.CountDownLatch hold = new java.util.concurrent.CountDownLatch(1);
      slow.runOnIoForTest(
          () -> {
            try {
              hold.await();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          });
      assertThat(slow.pollOnce()).isEqualTo(2);
      List<RawQueue.Cqe> c = new ArrayList<>(q.reap());
      assertThat(c)
          .extracting(RawQueue.Cqe::status)
          .containsExactly(NvmeStatus.COMMAND_ID_CONFLICT);
      hold.countDown();
      c.addAll(q.await(slow, 1, 5000));
      assertThat(c)
          .extracting(RawQueue.Cqe::status)
          .containsExactly(NvmeStatus.COMMAND_ID_CONFLICT, NvmeStatus.SUCCESS);
    }
  }
}
