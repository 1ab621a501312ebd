package io.homi.runtime.mediator;

import io.homi.runtime.nvme.NvmeCompletion;
import io.homi.runtime.nvme.NvmeStatus;
import io.homi.runtime.nvme.QueuePair;
import java.util.BitSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The mediator's side of one queue pair, as a controller keeps it: SQ head, CQ tail and phase,
 * the CIDs in flight, and how many CQ slots are promised to fetched commands. A slot is
 * reserved when a command is fetched, so a completion never finds its CQ full: when the CQ is
 * full the mediator stops fetching from this SQ instead (back-pressure), and nothing is lost.
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
  private final BitSet cidsInFlight = new BitSet(65536);
  /** Written by the service thread only; read by completing threads under the lock. */
  volatile int sqHead;
  private int cqTail;
  private boolean phase = true; // NVMe: the first pass through a zeroed CQ posts phase 1
  volatile Thread waiter;
  volatile boolean deleted;

  ServicedQueue(QueuePair qp, PathPolicy policy, PathStats mediatorStats) {
    this.qp = qp;
    this.policy = policy;
    this.stats = new PathStats(mediatorStats);
  }

  /**
   * Claims a CQ slot for a command about to be fetched; false when none is free. The initiator's
   * CQ head doorbell is untrusted: a value outside the ring is treated as "nothing consumed".
   */
  synchronized boolean reserveCompletionSlot() {
    int n = qp.cqEntries();
    int head = qp.cqHead();
    if (head < 0 || head >= n) return false;
    int occupied = Math.floorMod(cqTail - head, n);
    if (occupied + inFlight.get() >= n - 1) return false;
    inFlight.incrementAndGet();
    return true;
  }

  /** Marks a fetched CID busy; false when it is already in flight (a Command ID Conflict). */
  synchronized boolean claimCid(int cid) {
    if (cidsInFlight.get(cid)) return false;
    cidsInFlight.set(cid);
    return true;
  }

  /** Posts a completion into the slot reserved for it; {@code ownsCid}: the CID was claimed. */
  void complete(int cid, boolean ownsCid, NvmeStatus status, int result, String detail) {
    if (detail != null) errorDetail.put(cid, detail);
    synchronized (this) {
      if (ownsCid) cidsInFlight.clear(cid);
      NvmeCompletion.post(qp.cq(), cqTail, result, sqHead, qp.id(), cid, phase, status);
      if (++cqTail == qp.cqEntries()) {
        cqTail = 0;
        phase = !phase;
      }
      inFlight.decrementAndGet();
    }
    Thread w = waiter;
    if (w != null) LockSupport.unpark(w);
  }

  String takeErrorDetail(int cid) {
    return errorDetail.remove(cid);
  }
}
