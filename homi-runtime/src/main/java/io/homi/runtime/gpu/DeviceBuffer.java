package io.homi.runtime.gpu;

/**
 * Device memory from cuMemAlloc with an explicit lifetime; its address is a CUdeviceptr.
 * Every live buffer is counted ({@link #liveBytes()}), and {@code -Dhomi.gpu.memoryLimit=BYTES}
 * caps that count: an allocation past it fails exactly as cuMemAlloc does when the card is full
 * (CUDA_ERROR_OUT_OF_MEMORY), so a process can leave room on a shared GPU, and tests can provoke
 * an out-of-memory deterministically (read per allocation: a test may set and clear it).
 */
public final class DeviceBuffer implements AutoCloseable {
  /** JVM property: most bytes of live DeviceBuffers; unset or 0 = no limit but the card's. */
  public static final String MEMORY_LIMIT = "homi.gpu.memoryLimit";
  /** CUresult CUDA_ERROR_OUT_OF_MEMORY. */
  public static final int OUT_OF_MEMORY = 2;
  private static final java.util.concurrent.atomic.AtomicLong LIVE = new java.util.concurrent.atomic.AtomicLong();
  private final long address;
  private final long capacity;
  private boolean closed;

  public DeviceBuffer(long capacity) {
    if (capacity <= 0) throw new IllegalArgumentException("capacity " + capacity);
    long limit = Long.getLong(MEMORY_LIMIT, 0L);
    long live = LIVE.addAndGet(capacity);
    try {
      if (limit > 0 && live > limit) {
        throw new CudaException("cuMemAlloc(" + capacity + ")", OUT_OF_MEMORY, "CUDA_ERROR_OUT_OF_MEMORY",
            MEMORY_LIMIT + "=" + limit + " bytes reached (" + (live - capacity) + " live)");
      }
      this.address = CudaDriver.memAlloc(capacity);
    } catch (RuntimeException | Error e) {
      LIVE.addAndGet(-capacity);
      throw e;
    }
    this.capacity = capacity;
  }

  /** Bytes of device memory held by DeviceBuffers not yet closed, in this JVM. */
  public static long liveBytes() {
    return LIVE.get();
  }

  /** Whether {@code e} (or a cause) is a device out-of-memory, from the card or from {@link #MEMORY_LIMIT}. */
  public static boolean isOutOfMemory(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof CudaException c && c.code() == OUT_OF_MEMORY) return true;
    }
    return false;
  }

  public long address() {
    return address;
  }

  public long capacity() {
    return capacity;
  }

  public void checkRange(long offset, long length) {
    if (offset < 0 || length < 0 || offset + length > capacity) {
      throw new IndexOutOfBoundsException("device range " + offset + "+" + length + " > " + capacity);
    }
  }

  public void fill(byte value) {
    CudaDriver.memsetD8Sync(address, value, capacity); // done before later copies on other streams
  }

  @Override
  public synchronized void close() {
    if (closed) return;
    closed = true;
    LIVE.addAndGet(-capacity);
    CudaDriver.memFree(address);
  }
}
