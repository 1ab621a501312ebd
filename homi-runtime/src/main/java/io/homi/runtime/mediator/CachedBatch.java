package io.homi.runtime.mediator;

import io.homi.runtime.os.IoUring;
import io.homi.runtime.os.Libc;
import java.io.IOException;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Cached reads of one fetch batch that cannot share a vectored call (random offsets) copied by one
 * {@code io_uring_enter} instead of one {@code preadv2(RWF_NOWAIT)} each: every command is an
 * IORING_OP_READ with RWF_NOWAIT, which the kernel completes during submission when the page cache
 * holds the range and fails with EAGAIN when it does not (never blocking, never starting I/O). One
 * instance per service thread (not thread-safe); a command not fully served here is served the old
 * way by the caller.
 */
final class CachedBatch implements AutoCloseable {
  /** Most commands in one batch: the fetch budget's worth. */
  static final int MAX = 64;

  private final IoUring ring;
  private final long[] results = new long[MAX];
  private boolean broken;

  private CachedBatch(IoUring ring) {
    this.ring = ring;
  }

  static CachedBatch open() throws IOException {
    return new CachedBatch(IoUring.open(MAX));
  }

  /** Whether a command can join a batch: one destination segment (what one SQE reads). */
  static boolean accepts(Validated v) {
    return v.segments().length == 2 && v.segments()[1] <= Integer.MAX_VALUE;
  }

  /**
   * Reads the first {@code n} commands ({@link #accepts}, batchable: inside the file, host memory)
   * from the page cache; {@code served[i]} says whether command i got all its bytes. Returns how
   * many did; on a failure of the system call itself, none.
   */
  int read(Validated[] cmds, int n, boolean[] served) {
    int k = Math.min(n, MAX);
    for (int i = 0; i < k; i++) {
      Validated v = cmds[i];
      long[] s = v.segments();
      served[i] = false;
      results[i] = -1;
      if (!ring.prepareRead(
          v.ns().file().fd(), s[0], (int) s[1], v.command().fileOffset(), Libc.RWF_NOWAIT, i)) {
        k = i; // cannot happen below MAX; the rest are served the old way
        break;
      }
    }
    try {
      ring.submitAndWait(k);
    } catch (IOException e) {
      broken = true; // SQEs may be left in the ring: never use it again
      return 0;
    }
    while (ring.inFlight() > 0) {
      ring.reap((tag, res) -> results[(int) tag] = res);
      if (ring.inFlight() > 0) {
        try {
          ring.waitForCompletions(1); // RWF_NOWAIT reads complete at submission: rarely reached
        } catch (IOException e) {
          break;
        }
      }
    }
    int ok = 0;
    for (int i = 0; i < k; i++) {
      served[i] = results[i] == cmds[i].segments()[1];
      if (served[i]) ok++;
    }
    return ok;
  }

  /**
   * After a failed {@code io_uring_enter}: the caller serves everything the old way from then on.
   */
  boolean broken() {
    return broken;
  }

  @Override
  public void close() {
    ring.close();
  }

  /** One batch ring per service thread, made on first use; all closed with the mediator. */
  static final class PerThread implements AutoCloseable {
    private final ThreadLocal<CachedBatch> mine = new ThreadLocal<>();
    private final ConcurrentLinkedQueue<CachedBatch> all = new ConcurrentLinkedQueue<>();
    private volatile boolean enabled;

    PerThread(boolean enabled) {
      this.enabled = enabled;
    }

    boolean enabled() {
      return enabled;
    }

    /**
     * This thread's ring, or null where io_uring cannot be set up (then off for good) or failed.
     */
    CachedBatch get() {
      CachedBatch b = mine.get();
      if (b != null) return b.broken() ? null : b;
      if (!enabled) return null;
      try {
        b = CachedBatch.open();
      } catch (IOException | RuntimeException | LinkageError e) {
        enabled = false;
        return null;
      }
      all.add(b);
      mine.set(b);
      return b;
    }

    @Override
    public void close() {
      enabled = false;
      for (CachedBatch b : all) b.close();
      all.clear();
    }
  }
}
