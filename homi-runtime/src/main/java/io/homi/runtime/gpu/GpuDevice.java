package io.homi.runtime.gpu;

/**
 * One GPU and its primary context (the context every library on the device shares, so cuFile, cuDF
 * and HOMI see the same allocations). Threads that call CUDA first {@link #bind()}.
 */
public final class GpuDevice implements AutoCloseable {
  private final int ordinal;
  private final int device;
  private final long context;
  private volatile boolean closed;

  private GpuDevice(int ordinal, int device, long context) {
    this.ordinal = ordinal;
    this.device = device;
    this.context = context;
  }

  /** Retains device {@code ordinal}'s primary context; the caller checked GpuProbe first. */
  public static GpuDevice open(int ordinal) {
    GpuProbe.Result p = GpuProbe.probe(ordinal);
    if (!p.usable()) throw new CudaException("no usable GPU: " + p.reason());
    int dev = CudaDriver.device(ordinal);
    long ctx = CudaDriver.primaryCtxRetain(dev);
    GpuDevice g = new GpuDevice(ordinal, dev, ctx);
    g.bind();
    return g;
  }

  /** Makes this device's context current on the calling thread (cheap; call per thread). */
  public void bind() {
    if (closed) throw new IllegalStateException("GPU " + ordinal + " is closed");
    CudaDriver.setCurrent(context);
  }

  public int ordinal() {
    return ordinal;
  }

  public int handle() {
    return device;
  }

  public long context() {
    return context;
  }

  @Override
  public synchronized void close() {
    if (closed) return;
    closed = true;
    CudaDriver.primaryCtxRelease(device);
  }
}
