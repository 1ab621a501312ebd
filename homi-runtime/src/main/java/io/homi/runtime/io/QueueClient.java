package io.homi.runtime.io;

import io.homi.runtime.mediator.Mediator;
import io.homi.runtime.mediator.Namespace;
import io.homi.runtime.mediator.PathPolicy;
import io.homi.runtime.mediator.PathStats;
import io.homi.runtime.nvme.NvmeCommand;
import io.homi.runtime.nvme.NvmeCompletion;
import io.homi.runtime.nvme.NvmeStatus;
import io.homi.runtime.nvme.QueuePair;
import io.homi.runtime.settings.HomiSettings;
import io.homi.runtime.settings.JvmSettings;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A host thread's initiator on its own queue pair: splits reads into commands of at most {@code
 * homi.maxCommandBytes}, keeps as many in flight as the queue allows, and matches completions by
 * CID. A read fails with {@link HomiIoException} naming the file and offset; it never waits longer
 * than the stall timeout without a completion. Not thread-safe: one client per reader thread, as
 * one NVMe queue per core.
 */
public final class QueueClient implements AutoCloseable {
  /** Polls of an empty CQ before parking (each a spin-wait hint, some tens of ns). */
  private static final int SPINS = 256;

  private final Mediator mediator;
  private final QueuePair qp;
  private final long maxCommandBytes;
  private final long stallNanos;
  private final long[] cidOffset = new long[65536];
  private final long[] cidLength = new long[65536];
  private int sqTail;
  private int sqHeadSeen;
  private int cqHead;
  private boolean phase = true;
  private int nextCid;
  private int inFlight;

  /**
   * The failed completion of the current read at the lowest offset; the rest are drained, then this
   * is thrown.
   */
  private HomiIoException failure;

  private long failureOffset;
  private int spins = SPINS;
  private long parkNanos = 50_000;

  public QueueClient(Mediator mediator, int entries, long maxCommandBytes, PathPolicy policy) {
    this(
        mediator,
        entries,
        maxCommandBytes,
        policy,
        JvmSettings.get().get(HomiSettings.STALL_TIMEOUT_MS));
  }

  public QueueClient(
      Mediator mediator, int entries, long maxCommandBytes, PathPolicy policy, long stallMillis) {
    this.mediator = mediator;
    this.qp = mediator.createQueuePair(entries, entries, policy);
    long cap = Math.min(maxCommandBytes, mediator.mdtsBytes());
    this.maxCommandBytes = Math.max(Namespace.LBA_SIZE, cap & -(long) Namespace.LBA_SIZE);
    this.stallNanos = TimeUnit.MILLISECONDS.toNanos(stallMillis);
  }

  /**
   * For a thread whose wait nobody is blocked on (fetching ahead while another thread decodes): no
   * spinning and a 1 ms safety park instead of 50 us, since the mediator unparks a parked waiter
   * when a completion is posted; the CPU goes to the decoding thread instead.
   */
  public void waitPatiently() {
    spins = 0;
    parkNanos = 1_000_000;
  }

  /** Bytes and commands per path for this client's queue pair alone. */
  public PathStats.Snapshot stats() {
    return mediator.statsOf(qp);
  }

  public QueuePair queuePair() {
    return qp;
  }

  /**
   * Largest bytes one command asks for: {@code homi.maxCommandBytes}, block aligned, within MDTS.
   */
  public long maxCommandBytes() {
    return maxCommandBytes;
  }

  /**
   * Reads {@code length} bytes at LBA-aligned {@code offset} of {@code ns} into registered memory
   * at {@code dest}, which must have room for {@code length} rounded up to 4 KiB (the block past
   * end of file reads as zeros). Throws after every command has completed, so no completion is ever
   * left pending in the queue.
   */
  public void read(Namespace ns, long offset, long length, long dest) throws HomiIoException {
    read(ns, new long[] {offset}, new long[] {length}, new long[] {dest});
  }

  /**
   * Reads several ranges with all their commands pipelined on this queue (ranges[i] = offsets[i] +
   * lengths[i] into dests[i]); same rules as the single-range read.
   */
  public void read(Namespace ns, long[] offsets, long[] lengths, long[] dests)
      throws HomiIoException {
    if (offsets.length != lengths.length || offsets.length != dests.length) {
      throw new IllegalArgumentException("offsets, lengths and dests differ in length");
    }
    for (int i = 0; i < offsets.length; i++) {
      if ((offsets[i] & (Namespace.LBA_SIZE - 1)) != 0)
        throw new IllegalArgumentException("unaligned offset " + offsets[i]);
      if (lengths[i] < 0) throw new IllegalArgumentException("negative length " + lengths[i]);
    }
    mediator.setWaiter(qp, Thread.currentThread());
    failure = null;
    int range = 0;
    long within = 0;
    long lastProgress = System.nanoTime();
    int idle = 0;
    while (range < offsets.length || inFlight > 0) {
      boolean progressed = false;
      while (range < offsets.length && failure == null && sqHasRoom()) {
        long n = Math.min(maxCommandBytes, lengths[range] - within);
        if (n > 0) {
          submit(ns, offsets[range] + within, n, dests[range] + within);
          within += n;
          progressed = true;
        }
        if (within >= lengths[range]) {
          range++;
          within = 0;
        }
      }
      if (progressed) {
        qp.ringSqTail(sqTail);
        mediator.wake();
      }
      int reaped = reap(ns);
      if (failure != null) range = offsets.length; // stop submitting, drain what is in flight
      if (reaped > 0 || progressed) {
        lastProgress = System.nanoTime();
        idle = 0;
      } else if (inFlight > 0 && ++idle < spins) {
        Thread.onSpinWait(); // a cached command completes in microseconds: parking would cost more
      } else if (System.nanoTime() - lastProgress > stallNanos) {
        throw new HomiIoException(
            "no completion for "
                + ns.path()
                + " within "
                + TimeUnit.NANOSECONDS.toMillis(stallNanos)
                + " ms ("
                + inFlight
                + " commands in flight, first at offset "
                + firstInFlightOffset()
                + ")");
      } else if (inFlight > 0) {
        // Say we park, then look once more: a completion posted in between is seen here, and
        // one posted later unparks us (the mediator unparks only a waiter that may be parked).
        mediator.waiterParking(qp, true);
        if (!completionReady()) LockSupport.parkNanos(parkNanos);
        mediator.waiterParking(qp, false);
        idle = 0;
      }
    }
    if (failure != null) throw failure;
  }

  private void submit(Namespace ns, long offset, long n, long dest) {
    long blocks = (n + Namespace.LBA_SIZE - 1) >>> Namespace.LBA_SHIFT;
    int cid = nextCid;
    nextCid = (nextCid + 1) & 0xffff;
    cidOffset[cid] = offset;
    cidLength[cid] = n;
    NvmeCommand.writeReadSgl(
        qp.sq(),
        sqTail,
        cid,
        ns.nsid(),
        offset >>> Namespace.LBA_SHIFT,
        (int) blocks - 1,
        dest,
        (int) (blocks << Namespace.LBA_SHIFT));
    sqTail = (sqTail + 1) % qp.sqEntries();
    inFlight++;
  }

  /** Offset of the oldest command still in flight (CIDs are issued in order). */
  private long firstInFlightOffset() {
    return cidOffset[(nextCid - inFlight) & 0xffff];
  }

  /** Consumes ready CQEs, recording the first failure; returns how many. */
  private int reap(Namespace ns) {
    int n = 0;
    while (inFlight > 0) {
      int dw3 = NvmeCompletion.dw3(qp.cq(), cqHead);
      if (NvmeCompletion.phase(dw3) != phase) break;
      int cid = NvmeCompletion.cid(dw3);
      NvmeStatus st = NvmeCompletion.status(dw3);
      sqHeadSeen = NvmeCompletion.sqHead(qp.cq(), cqHead);
      if (st != NvmeStatus.SUCCESS) {
        // Completions arrive out of order: report the failure nearest the start of the read.
        String detail = mediator.takeErrorDetail(qp, cid);
        if (failure == null || cidOffset[cid] < failureOffset) {
          if (detail == null) detail = ns.revokedReason();
          failure = new HomiIoException(ns.path(), cidOffset[cid], cidLength[cid], st, detail);
          failureOffset = cidOffset[cid];
        }
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

  private boolean completionReady() {
    return NvmeCompletion.phase(NvmeCompletion.dw3(qp.cq(), cqHead)) == phase;
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
