package io.homi.runtime.mediator;

import io.homi.runtime.nvme.NvmeCompletion;
import io.homi.runtime.nvme.NvmeStatus;
import io.homi.runtime.nvme.QueuePair;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * A bare initiator for tests: writes SQEs with whatever bytes a test wants, rings doorbells only
 * when told, and reads CQEs by phase, as a GPU thread or a buggy initiator would.
 */
public final class RawQueue {
  public record Cqe(
      int cid, NvmeStatus status, int result, int sqHead, int sqId, boolean phase, int slot) {}

  public final QueuePair qp;
  private int sqTail;
  private int cqHead;
  private boolean phase = true;
  private int sqHeadSeen;

  public RawQueue(QueuePair qp) {
    this.qp = qp;
  }

  public ByteBuffer sq() {
    return qp.sq();
  }

  /** Free SQ slots by the one-empty-slot rule, as far as completions have told us the head. */
  public int sqRoom() {
    return qp.sqEntries() - 1 - Math.floorMod(sqTail - sqHeadSeen, qp.sqEntries());
  }

  /** Lets {@code writer} fill the slot at the tail, then advances the tail (doorbell not rung). */
  public void add(IntConsumer writer) {
    if (sqRoom() == 0) throw new IllegalStateException("SQ full");
    writer.accept(sqTail);
    sqTail = (sqTail + 1) % qp.sqEntries();
  }

  public void ring() {
    qp.ringSqTail(sqTail);
  }

  /** Consumes every ready CQE without ringing the CQ head doorbell. */
  public List<Cqe> reap() {
    List<Cqe> out = new ArrayList<>();
    while (true) {
      int dw3 = NvmeCompletion.dw3(qp.cq(), cqHead);
      if (NvmeCompletion.phase(dw3) != phase) return out;
      int sqHead = NvmeCompletion.sqHead(qp.cq(), cqHead);
      int sqId = qp.cq().getShort(cqHead * NvmeCompletion.SIZE + 10) & 0xffff;
      out.add(
          new Cqe(
              NvmeCompletion.cid(dw3),
              NvmeCompletion.status(dw3),
              NvmeCompletion.result(qp.cq(), cqHead),
              sqHead,
              sqId,
              phase,
              cqHead));
      sqHeadSeen = sqHead;
      if (++cqHead == qp.cqEntries()) {
        cqHead = 0;
        phase = !phase;
      }
    }
  }

  public void ringCqHead() {
    qp.ringCqHead(cqHead);
  }

  /** Reaps (ringing the CQ head) until {@code n} completions arrived or the deadline passed. */
  public List<Cqe> await(Mediator m, int n, long timeoutMs) {
    List<Cqe> got = new ArrayList<>();
    long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
    while (got.size() < n && System.nanoTime() < deadline) {
      List<Cqe> r = reap();
      if (!r.isEmpty()) {
        got.addAll(r);
        ringCqHead();
        m.wake();
      } else {
        Thread.onSpinWait();
      }
    }
    return got;
  }
}
