package io.homi.runtime.gpu;

import io.homi.runtime.settings.HomiSettings;
import io.homi.runtime.settings.JvmSettings;

/**
 * Device memory from cuMemAlloc with an explicit lifetime; its address is a CUdeviceptr. Every live
 * buffer is counted ({@link #liveBytes()}), and {@code homi.gpu.memoryLimit} (a per-JVM setting)
 * caps that count: an allocation past it fails exactly as cuMemAlloc does when the card is full
 * (CUDA_ERROR_OUT_OF_MEMORY), so a process can leave room on a shared GPU. Tests provoke an
 * out-of-memory deterministically with {@link #setMemoryLimit} (read per allocation).
 */
public final class DeviceBuffer implements AutoCloseable {
  /** The setting's key, for messages. */
  public static final String MEMORY_LIMIT = HomiSettings.GPU_MEMORY_LIMIT.key();

  /** CUresult CUDA_ERROR_OUT_OF_MEMORY. */
  public static final int OUT_OF_MEMORY = 2;

  private static final java.util.concurrent.atomic.AtomicLong LIVE =
      new java.util.concurrent.atomic.AtomicLong();
  private static volatile long limitOverride = -1; // -1: the per-JVM setting
  private final long address;
  private final long capacity;
  private boolean closed;

  public DeviceBuffer(long capacity) {
    if (capacity <= 0) throw new IllegalArgumentException("capacity " + capacity);
    long limit = memoryLimit();
    long live = LIVE.addAndGet(capacity);
    try {
      if (limit > 0 && live > limit) {
        throw new CudaException(
            "cuMemAlloc(" + capacity + ")",
            OUT_OF_MEMORY,
            "CUDA_ERROR_OUT_OF_MEMORY",
            MEMORY_LIMIT + "=" + limit + " bytes reached (" + (live - capacity) + " live)");
      }
      this.address = CudaDriver.memAlloc(capacity);
    } catch (RuntimeException | Error e) {
      LIVE.addAndGet(-capacity);
      throw e;
    }
    this.capacity = capacity;
  }

  /**
   * The byte limit on live DeviceBuffers now (0 = none): {@link #setMemoryLimit}'s, else {@code
   * homi.gpu.memoryLimit}.
   */
  public static long memoryLimit() {
    long o = limitOverride;
    return o >= 0 ? o : JvmSettings.get().get(HomiSettings.GPU_MEMORY_LIMIT);
  }

  /**
   * Replaces this JVM's {@code homi.gpu.memoryLimit} from now on ({@code bytes} >= 0; 0 = no
   * limit), or with -1 goes back to the setting. For tests that need an out-of-memory at a known
   * point.
   */
  public static void setMemoryLimit(long bytes) {
    if (bytes < -1) throw new IllegalArgumentException("memory limit " + bytes);
    limitOverride = bytes;
  }

  /** Bytes of device memory held by DeviceBuffers not yet closed, in this JVM. */
  public static long liveBytes() {
    return LIVE.get();
  }

  /**
   * Whether {@code e} (or a cause) is a device out-of-memory, from the card or from {@link
   * #MEMORY_LIMIT}.
   */
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
      throw new IndexOutOfBoundsException(
          "device range " + offset + "+" + length + " > " + capacity);
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
