package io.homi.runtime.mediator;

import io.homi.runtime.os.IoUring;
import io.homi.runtime.os.Libc;
import java.io.IOException;
import java.util.ArrayDeque;

/**
 * The Direct path's reads kept in flight by one io_uring instead of one blocked I/O thread per
 * read: the service thread queues a validated command's O_DIRECT reads (one SQE per destination
 * segment) and hands a whole fetch batch to the kernel with one {@code io_uring_enter} ({@link
 * #flush}); one reaper thread waits for completions, finishes a command when its last segment
 * lands, and submits reads that the full ring held back (back-pressure: at most {@link
 * IoUring#capacity} reads in flight, the rest wait in order in a queue here).
 *
 * <p>Results match {@link DirectPath#read}: a segment read short on a block boundary is read on
 * from where it stopped (EINTR and EAGAIN are retried), a short read at end of file ends it, and a
 * negative result is the read's errno, reported as the pool path reports it.
 */
final class DirectRing implements AutoCloseable {
  /** How a finished command is completed: the same code as the I/O pool's ({@link Mediator}). */
  interface Finisher {
    void finish(ServicedQueue q, Validated v, CommandExecutor.Outcome outcome, Exception error);
  }

  private static final int EINTR = 4;
  private static final int EAGAIN = 11;
  private static final long WAKE = -1L;

  private final IoUring ring;
  private final Finisher finisher;
  private final Thread reaper;

  /** Reads by tag (the SQE's user data is the slot index); guarded by {@code this}. */
  private final SegmentRead[] slots;

  private final ArrayDeque<Integer> freeSlots = new ArrayDeque<>();

  /** Reads the full ring held back, in arrival order; guarded by {@code this}. */
  private final ArrayDeque<SegmentRead> waiting = new ArrayDeque<>();

  private volatile boolean running = true;

  /** One command's reads: finished when the last of its segments is done. */
  private static final class CommandReads {
    final ServicedQueue q;
    final Validated v;
    final long[] got;
    int left;
    String error;

    CommandReads(ServicedQueue q, Validated v, int segments) {
      this.q = q;
      this.v = v;
      this.got = new long[segments];
      this.left = segments;
    }
  }

  /** One segment's read: where it stands (done bytes) and what it still wants. */
  private static final class SegmentRead {
    final CommandReads cmd;
    final int segment;
    final int fd;
    final long fileOffset;
    final long address;
    final long length;
    final long want;
    long done;

    SegmentRead(
        CommandReads cmd,
        int segment,
        int fd,
        long fileOffset,
        long address,
        long length,
        long want) {
      this.cmd = cmd;
      this.segment = segment;
      this.fd = fd;
      this.fileOffset = fileOffset;
      this.address = address;
      this.length = length;
      this.want = want;
    }
  }

  private DirectRing(IoUring ring, Finisher finisher) {
    this.ring = ring;
    this.finisher = finisher;
    // A slot is taken only while a read is in the ring, so the ring's capacity is enough.
    this.slots = new SegmentRead[ring.capacity()];
    for (int i = 0; i < slots.length; i++) freeSlots.add(i);
    this.reaper = new Thread(this::reapLoop, "homi-uring-reaper");
    reaper.setDaemon(true);
    reaper.start();
  }

  /** A ring of {@code entries} SQEs, or an IOException saying why io_uring cannot be used here. */
  static DirectRing open(int entries, Finisher finisher) throws IOException {
    return new DirectRing(IoUring.open(entries), finisher);
  }

  int capacity() {
    return ring.capacity();
  }

  /**
   * Whether this command can go to the ring: host memory, every segment 4 KiB aligned in address
   * and length (so the O_DIRECT read of a segment never writes past it), the file open with
   * O_DIRECT. Anything else stays on the I/O pool, which reports what is wrong.
   */
  static boolean accepts(Validated v) {
    if (v.device() || v.ns().file().directFd() < 0) return false;
    if ((v.command().fileOffset() & (Namespace.LBA_SIZE - 1)) != 0) return false;
    long[] segs = v.segments();
    for (int i = 0; i < segs.length; i += 2) {
      if (((segs[i] | segs[i + 1]) & (Namespace.LBA_SIZE - 1)) != 0
          || segs[i + 1] > Integer.MAX_VALUE) return false;
    }
    return true;
  }

  /**
   * Queues the command's reads (service thread; {@link #accepts} said yes). Nothing reaches the
   * kernel before {@link #flush}. A command wholly past end of file completes here.
   */
  void queue(ServicedQueue q, Validated v) {
    q.stats.executed();
    q.stats.ringed();
    Namespace ns = v.ns();
    long[] segs = v.segments();
    CommandReads cmd = new CommandReads(q, v, segs.length / 2);
    int fd = ns.file().directFd();
    long off = v.command().fileOffset();
    int reads = 0;
    SegmentRead[] toQueue = new SegmentRead[segs.length / 2];
    for (int i = 0; i < segs.length; i += 2) {
      long want = Math.max(0, Math.min(segs[i + 1], ns.sizeBytes() - off));
      if (want > 0)
        toQueue[reads++] = new SegmentRead(cmd, i / 2, fd, off, segs[i], segs[i + 1], want);
      off += segs[i + 1];
    }
    synchronized (this) {
      cmd.left = reads;
      for (int i = 0; i < reads; i++) enqueue(toQueue[i]);
    }
    if (reads == 0) finishCommand(cmd);
  }

  /** Hands every queued read to the kernel: one system call for the fetch batch. */
  synchronized void flush() {
    try {
      ring.submit();
    } catch (IOException e) {
      // The SQEs stay in the ring: the reaper's next submit retries them.
    }
  }

  private void enqueue(SegmentRead r) {
    if (!waiting.isEmpty() || !prepare(r)) waiting.add(r);
  }

  private boolean prepare(SegmentRead r) {
    Integer slot = freeSlots.poll();
    if (slot == null) return false;
    long rest = r.length - r.done; // the whole block-aligned segment: the tail past EOF reads short
    if (!ring.prepareRead(r.fd, r.address + r.done, (int) rest, r.fileOffset + r.done, slot)) {
      freeSlots.addFirst(slot);
      return false;
    }
    slots[slot] = r;
    return true;
  }

  private void reapLoop() {
    while (running) {
      try {
        ring.waitForCompletions(1);
      } catch (IOException e) {
        if (!running) return;
      }
      ring.reap(this::completed);
      synchronized (this) {
        while (!waiting.isEmpty() && prepare(waiting.peek())) waiting.poll();
        try {
          ring.submit();
        } catch (IOException e) {
          // retried at the next completion or flush
        }
      }
    }
  }

  private void completed(long tag, int res) {
    if (tag == WAKE) return;
    SegmentRead r;
    synchronized (this) {
      r = slots[(int) tag];
      slots[(int) tag] = null;
      freeSlots.add((int) tag);
      if (res == -EINTR || res == -EAGAIN) {
        enqueue(r);
        return;
      }
      if (res > 0) {
        r.done += res;
        // Read on from a block boundary; a short read off a boundary is end of file.
        if (r.done < r.want && (res & (Namespace.LBA_SIZE - 1)) == 0) {
          enqueue(r);
          return;
        }
      }
    }
    CommandReads cmd = r.cmd;
    boolean last;
    synchronized (cmd) {
      if (res < 0 && cmd.error == null) {
        cmd.error =
            "O_DIRECT read "
                + cmd.v.ns().path()
                + " at "
                + (r.fileOffset + r.done)
                + ": "
                + Libc.strerror(-res);
      }
      cmd.got[r.segment] = Math.min(r.done, r.want);
      last = --cmd.left == 0;
    }
    if (last) finishCommand(cmd);
  }

  /**
   * Zero tails, byte counts and the outcome, as {@link CommandExecutor}'s segment walk gives them.
   */
  private void finishCommand(CommandReads cmd) {
    if (cmd.error != null) {
      finisher.finish(cmd.q, cmd.v, null, new IOException(cmd.error));
      return;
    }
    Validated v = cmd.v;
    long[] segs = v.segments();
    long off = v.command().fileOffset();
    long expected = Math.max(0, Math.min(v.command().bytes(), v.ns().sizeBytes() - off));
    long got = 0;
    boolean shortRead = false;
    for (int i = 0; i < segs.length; i += 2) {
      long want = Math.max(0, Math.min(segs[i + 1], v.ns().sizeBytes() - off));
      long n = cmd.got[i / 2];
      if (n < segs[i + 1]) CommandExecutor.zeroHost(segs[i] + n, segs[i + 1] - n);
      if (!shortRead) {
        got += n;
        if (want > 0) cmd.q.stats.served(PathKind.DIRECT, n);
      }
      if (n < want) shortRead = true; // the file is shorter than its grant: the rest does not count
      off += segs[i + 1];
    }
    finisher.finish(cmd.q, v, new CommandExecutor.Outcome(got, got >= expected), null);
  }

  @Override
  public void close() {
    synchronized (this) {
      if (!running) return; // closed before (a mediator may be closed twice)
      running = false;
      if (ring.prepareNop(WAKE)) {
        try {
          ring.submit();
        } catch (IOException e) {
          // the reaper is woken by the interrupt below instead
        }
      }
    }
    reaper.interrupt();
    try {
      reaper.join(2000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (!reaper.isAlive()) ring.close(); // else leave it mapped: the reaper may still read it
  }
}
