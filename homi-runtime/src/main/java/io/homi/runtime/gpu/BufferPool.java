package io.homi.runtime.gpu;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.LongFunction;
import java.util.function.ToLongFunction;

/**
 * Buffers handed out and taken back for reuse, all of them together (in use and idle) at most
 * {@code limit} bytes. Pinned host memory is what it is for: cuMemHostAlloc locks pages and costs
 * far more than the copy it serves, so buffers are kept, and the bound keeps locked memory from
 * growing with the number of tasks. A request that does not fit, after idle buffers are freed to
 * make room, gets null: the caller does without (it never waits, so nothing can deadlock on it).
 * Sizes are rounded up to {@code granule} so that row groups of about the same size reuse buffers.
 * Allocation and freeing happen outside the lock (they take milliseconds per 100 MB).
 *
 * @param <B> the buffer type
 */
public final class BufferPool<B> implements AutoCloseable {
  private final LongFunction<B> allocate;
  private final ToLongFunction<B> capacity;
  private final Consumer<B> free;
  private final long granule;
  private final List<B> idle = new ArrayList<>(); // guarded by this
  private long limit; // guarded by this
  private long
      held; // bytes allocated, in use or idle (and reserved while allocating); guarded by this
  private long inUse; // bytes handed out and not given back; guarded by this
  private boolean closed; // guarded by this

  public BufferPool(
      long limit,
      long granule,
      LongFunction<B> allocate,
      ToLongFunction<B> capacity,
      Consumer<B> free) {
    if (limit < 0 || granule <= 0)
      throw new IllegalArgumentException("limit " + limit + ", granule " + granule);
    this.limit = limit;
    this.granule = granule;
    this.allocate = allocate;
    this.capacity = capacity;
    this.free = free;
  }

  /**
   * A buffer of at least {@code bytes}: the smallest idle one that is large enough, else a new one
   * if the limit allows (idle buffers freed first to make room), else null. An allocation failure
   * propagates; its reserved bytes are given up first.
   */
  public B take(long bytes) {
    if (bytes <= 0) throw new IllegalArgumentException("bytes " + bytes);
    long want;
    List<B> evicted = new ArrayList<>();
    synchronized (this) {
      if (closed) throw new IllegalStateException("buffer pool closed");
      B best = null;
      for (B b : idle) {
        if (capacity.applyAsLong(b) >= bytes
            && (best == null || capacity.applyAsLong(b) < capacity.applyAsLong(best))) best = b;
      }
      if (best != null) {
        idle.remove(best);
        inUse += capacity.applyAsLong(best);
        return best;
      }
      want = (bytes + granule - 1) / granule * granule;
      if (want > limit) return null; // never fits: keep the idle buffers for requests that do
      while (held + want > limit && !idle.isEmpty()) {
        B largest = idle.get(0);
        for (B b : idle) if (capacity.applyAsLong(b) > capacity.applyAsLong(largest)) largest = b;
        idle.remove(largest);
        held -= capacity.applyAsLong(largest);
        evicted.add(largest);
      }
      boolean fits = held + want <= limit;
      if (fits) {
        held += want; // reserved while allocating outside the lock
        inUse += want;
      }
      if (!fits) want = -1;
    }
    evicted.forEach(free);
    if (want < 0) return null;
    B b;
    try {
      b = allocate.apply(want);
    } catch (RuntimeException | Error e) {
      synchronized (this) {
        held -= want;
        inUse -= want;
      }
      throw e;
    }
    long got = capacity.applyAsLong(b);
    synchronized (this) {
      held += got - want;
      inUse += got - want;
    }
    return b;
  }

  /**
   * Takes back a buffer from {@link #take}: kept for reuse, or freed when the pool is closed or
   * over its limit.
   */
  public void give(B b) {
    long c = capacity.applyAsLong(b);
    boolean keep;
    synchronized (this) {
      inUse -= c;
      keep = !closed && held <= limit;
      if (keep) idle.add(b);
      else held -= c;
    }
    if (!keep) free.accept(b);
  }

  /** Changes the bound; idle buffers over it are freed now, buffers in use when they come back. */
  public void setLimit(long bytes) {
    if (bytes < 0) throw new IllegalArgumentException("limit " + bytes);
    List<B> evicted = new ArrayList<>();
    synchronized (this) {
      limit = bytes;
      while (held > limit && !idle.isEmpty()) {
        B b = idle.remove(idle.size() - 1);
        held -= capacity.applyAsLong(b);
        evicted.add(b);
      }
    }
    evicted.forEach(free);
  }

  public synchronized long limit() {
    return limit;
  }

  /** Bytes of buffers allocated by this pool and not freed (in use and idle). */
  public synchronized long heldBytes() {
    return held;
  }

  /** Bytes of buffers handed out and not yet given back. */
  public synchronized long inUseBytes() {
    return inUse;
  }

  /** Frees the idle buffers; buffers in use are freed when they come back. */
  @Override
  public void close() {
    List<B> evicted;
    synchronized (this) {
      closed = true;
      evicted = new ArrayList<>(idle);
      idle.clear();
      for (B b : evicted) held -= capacity.applyAsLong(b);
    }
    evicted.forEach(free);
  }
}
