package io.homi.runtime.io;

import io.homi.runtime.mediator.Mediator;
import io.homi.runtime.mediator.Namespace;
import io.homi.runtime.mediator.PathPolicy;
import io.homi.runtime.mediator.PathStats;
import io.homi.runtime.nvme.NvmeCommand;
import io.homi.runtime.nvme.NvmeCompletion;
import io.homi.runtime.nvme.NvmeStatus;
import io.homi.runtime.nvme.QueuePair;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A host thread's initiator on its own queue pair: splits a read into commands of at most the
 * task size, keeps as many in flight as the queue allows, and matches completions by CID.
 * Not thread-safe: one client per reader thread, as one NVMe queue per core.
 */
public final class QueueClient implements AutoCloseable {
  private static final long STALL_NANOS = TimeUnit.SECONDS.toNanos(120);

  private final Mediator mediator;
  private final QueuePair qp;
  private final long taskBytes;
  private final long[] cidOffset;
  private final long[] cidLength;
  private int sqTail;
  private int sqHeadSeen;
  private int cqHead;
  private boolean phase = true;
  private int nextCid;
  private int inFlight;

  public QueueClient(Mediator mediator, int entries, long taskBytes, PathPolicy policy) {
    this.mediator = mediator;
    this.qp = mediator.createQueuePair(entries, entries, policy);
    long task = Math.min(taskBytes, mediator.mdtsBytes());
    this.taskBytes = Math.max(Namespace.LBA_SIZE, task & -(long) Namespace.LBA_SIZE);
    this.cidOffset = new long[65536];
    this.cidLength = new long[65536];
  }

  /** Bytes and commands per path for this client's queue pair alone. */
  public PathStats.Snapshot stats() {
    return mediator.statsOf(qp);
  }

  public QueuePair queuePair() {
    return qp;
  }

  /**
   * Reads {@code length} bytes at LBA-aligned {@code offset} of {@code ns} into registered
   * memory at {@code dest}. Throws after every command has completed, so no completion is
   * ever left pending in the queue.
   */
  public void read(Namespace ns, long offset, long length, long dest) throws HomiIoException {
    if ((offset & (Namespace.LBA_SIZE - 1)) != 0) throw new IllegalArgumentException("unaligned offset " + offset);
    mediator.setWaiter(qp, Thread.currentThread());
    failure = null;
    long submitted = 0;
    long lastProgress = System.nanoTime();
    while (submitted < length || inFlight > 0) {
      boolean progressed = false;
      while (submitted < length && failure == null && sqHasRoom()) {
        long n = Math.min(taskBytes, length - submitted);
        long blocks = (n + Namespace.LBA_SIZE - 1) >>> Namespace.LBA_SHIFT;
        int cid = nextCid;
        nextCid = (nextCid + 1) & 0xffff;
        cidOffset[cid] = offset + submitted;
        cidLength[cid] = n;
        NvmeCommand.writeReadSgl(qp.sq(), sqTail, cid, ns.nsid(), (offset + submitted) >>> Namespace.LBA_SHIFT,
            (int) blocks - 1, dest + submitted, (int) (blocks << Namespace.LBA_SHIFT));
        sqTail = (sqTail + 1) % qp.sqEntries();
        submitted += n;
        inFlight++;
        progressed = true;
      }
      if (progressed) {
        qp.ringSqTail(sqTail);
        mediator.wake();
      }
      int reaped = reap(ns);
      if (failure != null && submitted < length) submitted = length; // stop submitting, drain the rest
      if (reaped > 0 || progressed) {
        lastProgress = System.nanoTime();
      } else if (System.nanoTime() - lastProgress > STALL_NANOS) {
        throw new HomiIoException("no completion for " + ns.path() + " within "
            + TimeUnit.NANOSECONDS.toSeconds(STALL_NANOS) + " s (" + inFlight + " commands in flight)");
      } else {
        LockSupport.parkNanos(50_000);
      }
    }
    if (failure != null) throw failure;
  }

  /** The first failed completion of the current read; the rest are drained, then this is thrown. */
  private HomiIoException failure;

  /** Consumes ready CQEs, recording the first failure; returns how many. */
  private int reap(Namespace ns) {
    int n = 0;
    while (true) {
      int dw3 = NvmeCompletion.dw3(qp.cq(), cqHead);
      if (NvmeCompletion.phase(dw3) != phase) break;
      int cid = NvmeCompletion.cid(dw3);
      NvmeStatus st = NvmeCompletion.status(dw3);
      sqHeadSeen = NvmeCompletion.sqHead(qp.cq(), cqHead);
      if (st != NvmeStatus.SUCCESS && failure == null) {
        failure = new HomiIoException(ns.path(), cidOffset[cid], cidLength[cid], st, ns.revokedReason());
      }
      if (++cqHead == qp.cqEntries()) {
        cqHead = 0;
        phase = !phase;
      }
      inFlight--;
      n++;
    }
    if (n > 0) {
      qp.ringCqHead(cqHead);
      mediator.wake();
    }
    return n;
  }

  private boolean sqHasRoom() {
    // One slot stays empty; in-flight is also capped below the CQ size so CIDs never collide.
    return (sqTail + 1) % qp.sqEntries() != sqHeadSeen && inFlight < qp.cqEntries() - 1;
  }

  @Override
  public void close() {
    mediator.deleteQueuePair(qp);
  }
}
