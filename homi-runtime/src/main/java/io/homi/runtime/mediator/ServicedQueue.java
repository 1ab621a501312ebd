package io.homi.runtime.mediator;

import io.homi.runtime.nvme.NvmeCompletion;
import io.homi.runtime.nvme.NvmeStatus;
import io.homi.runtime.nvme.QueuePair;
import java.lang.invoke.VarHandle;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The mediator's side of one queue pair, as a controller keeps it: SQ head, CQ tail and phase, the
 * CIDs in flight, and how many CQ slots are promised to fetched commands. A slot is reserved when a
 * command is fetched, so a completion never finds its CQ full: when the CQ is full the mediator
 * stops fetching from this SQ instead (back-pressure), and nothing is lost.
 */
final class ServicedQueue {
  final QueuePair qp;
  final PathPolicy policy;

  /** This queue pair's counters; they add into the mediator's as well. */
  final PathStats stats;

  /** Commands fetched and not yet completed (each holds one reserved CQ slot). */
  final AtomicInteger inFlight = new AtomicInteger();

  /** Why a command failed, by CID, for the initiator to put into its exception. */
  private final ConcurrentHashMap<Integer, String> errorDetail = new ConcurrentHashMap<>();

  /** One bit per CID (a plain bitmap: BitSet.clear rescans its words in use on every call). */
  private final long[] cidsInFlight = new long[65536 / 64];

  /** Written by the service thread only; read by completing threads under the lock. */
  volatile int sqHead;

  private int cqTail;
  private boolean phase = true; // NVMe: the first pass through a zeroed CQ posts phase 1
  volatile Thread waiter;

  /**
   * What the waiter said it is doing: {@link #WAITER_UNKNOWN} (it never says: unpark it on every
   * completion), {@link #WAITER_RUNNING} (it will look at the CQ before it parks: no unpark needed)
   * or {@link #WAITER_PARKED}.
   */
  volatile int waiterState = WAITER_UNKNOWN;

  static final int WAITER_UNKNOWN = 0;
  static final int WAITER_RUNNING = 1;
  static final int WAITER_PARKED = 2;
  volatile boolean deleted;

  /**
   * Successful inline completions of the current fetch batch (service thread only), posted
   * together.
   */
  /**
   * The current run of file-contiguous cached commands (service thread only; see Mediator#serve).
   */
  final Validated[] run;

  int runLength;
  long runEnd;

  /**
   * Cached commands of the fetch batch that joined no run, for one io_uring batch (service thread
   * only).
   */
  final Validated[] singles;

  final boolean[] singleServed;
  int singlesLength;
  private final int[] batchCid;
  private final int[] batchResult;
  private int batchCount;

  ServicedQueue(QueuePair qp, PathPolicy policy, PathStats mediatorStats, int budget) {
    this.run = new Validated[budget];
    this.singles = new Validated[budget];
    this.singleServed = new boolean[budget];
    this.qp = qp;
    this.policy = policy;
    this.stats = new PathStats(mediatorStats);
    this.batchCid = new int[qp.cqEntries()];
    this.batchResult = new int[qp.cqEntries()];
  }

  /**
   * Claims up to {@code want} CQ slots for commands about to be fetched, under one lock; returns
   * how many (0 when the CQ is full: back-pressure). The initiator's CQ head doorbell is untrusted:
   * a value outside the ring is treated as "nothing consumed".
   */
  synchronized int reserveCompletionSlots(int want) {
    int n = qp.cqEntries();
    int head = qp.cqHead();
    if (head < 0 || head >= n || want <= 0) return 0;
    int occupied = Math.floorMod(cqTail - head, n);
    int free = n - 1 - occupied - inFlight.get();
    int got = Math.max(0, Math.min(free, want));
    if (got > 0) inFlight.addAndGet(got);
    return got;
  }

  /** Marks a fetched CID busy; false when it is already in flight (a Command ID Conflict). */
  synchronized boolean claimCid(int cid) {
    long bit = 1L << cid; // shifts use the low 6 bits
    int w = cid >>> 6;
    if ((cidsInFlight[w] & bit) != 0) return false;
    cidsInFlight[w] |= bit;
    return true;
  }

  /** Posts a completion into the slot reserved for it; {@code ownsCid}: the CID was claimed. */
  void complete(int cid, boolean ownsCid, NvmeStatus status, int result, String detail) {
    if (detail != null) errorDetail.put(cid, detail);
    synchronized (this) {
      post(cid, ownsCid, status, result);
    }
    signalWaiter();
  }

  /**
   * A successful completion of a command served on the service thread, posted with the rest of its
   * fetch batch by {@link #flushBatch} (one lock and at most one wakeup per batch instead of one
   * per command). Service thread only; the CID was claimed.
   */
  void completeInBatch(int cid, int result) {
    batchCid[batchCount] = cid;
    batchResult[batchCount] = result;
    batchCount++;
  }

  /** Posts the batch's completions (service thread, after each fetch batch). */
  void flushBatch() {
    if (batchCount == 0) return;
    synchronized (this) {
      for (int i = 0; i < batchCount; i++)
        post(batchCid[i], true, NvmeStatus.SUCCESS, batchResult[i]);
    }
    batchCount = 0;
    signalWaiter();
  }

  private void post(int cid, boolean ownsCid, NvmeStatus status, int result) {
    if (ownsCid) cidsInFlight[cid >>> 6] &= ~(1L << cid);
    NvmeCompletion.post(qp.cq(), cqTail, result, sqHead, qp.id(), cid, phase, status);
    if (++cqTail == qp.cqEntries()) {
      cqTail = 0;
      phase = !phase;
    }
    inFlight.decrementAndGet();
  }

  /**
   * Wakes the waiter when it may be parked. The fence orders the CQE store before the read of its
   * state; the waiter orders its state store before its CQ check the same way, so one of the two
   * always sees the other (and a missed case costs at most its park timeout).
   */
  private void signalWaiter() {
    Thread w = waiter;
    if (w == null) return;
    VarHandle.fullFence();
    if (waiterState != WAITER_RUNNING) LockSupport.unpark(w);
  }

  String takeErrorDetail(int cid) {
    return errorDetail.remove(cid);
  }
}
