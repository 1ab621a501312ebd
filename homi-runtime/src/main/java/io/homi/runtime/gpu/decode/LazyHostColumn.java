package io.homi.runtime.gpu.decode;

import io.homi.runtime.gpu.CudaDriver;
import io.homi.runtime.gpu.GpuDevice;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.FieldVector;

/**
 * A decoded column that stays in GPU memory until someone reads it on the CPU: the first call
 * of {@link #host()} waits for the batch's sync event and copies the column into an Arrow host
 * vector (the same vector type the CPU decoder produces), kept until {@link #close()}. The
 * device buffers belong to the {@link DeviceBatch}; closing this frees only the host copy.
 */
public final class LazyHostColumn implements AutoCloseable {
  private final GpuDevice gpu;
  private final DeviceBatch batch;
  private final DeviceColumn column;
  private final BufferAllocator allocator;
  private FieldVector host;
  private boolean closed;

  LazyHostColumn(GpuDevice gpu, DeviceBatch batch, DeviceColumn column, BufferAllocator allocator) {
    this.gpu = gpu;
    this.batch = batch;
    this.column = column;
    this.allocator = allocator;
  }

  /** The column in GPU memory (Arrow layout; see {@link DeviceColumn#bufferAddresses()}). */
  public DeviceColumn device() {
    return column;
  }

  /** The batch the column belongs to: its sync event, and the handle {@link DeviceArrayExport#of} exports. */
  public DeviceBatch batch() {
    return batch;
  }

  public int deviceOrdinal() {
    return gpu.ordinal();
  }

  /** Whether a host copy has been made. */
  public synchronized boolean copied() {
    return host != null;
  }

  /** The column as an Arrow host vector, copied from the device on the first call. */
  public synchronized FieldVector host() {
    if (closed) throw new IllegalStateException("column '" + column.column().name() + "' was released");
    if (host == null) {
      gpu.bind(); // the calling thread may not have used CUDA yet
      CudaDriver.eventSynchronize(batch.syncEvent());
      host = column.toVector(allocator);
    }
    return host;
  }

  @Override
  public synchronized void close() {
    closed = true;
    if (host != null) host.close();
    host = null;
  }
}
