package io.homi.runtime.gpu.decode;

import io.homi.runtime.gpu.GpuDevice;
import org.apache.arrow.vector.FieldVector;

/**
 * A decoded column in GPU memory with its host copy: the first call of {@link #host()} gives the
 * column as an Arrow host vector (the same vector type the CPU decoder produces), a view of the row
 * group's pinned {@link HostMirror} (copied there right after the decode, or now), kept until
 * {@link #close()}. The device buffers belong to the {@link DeviceBatch}; closing this frees only
 * the host vector.
 */
public final class LazyHostColumn implements AutoCloseable {
  private final GpuDevice gpu;
  private final DeviceBatch batch;
  private final DeviceColumn column;
  private final HostMirror mirror;
  private final int index; // the column's place in the batch (and the mirror)
  private FieldVector host;
  private boolean closed;

  LazyHostColumn(GpuDevice gpu, DeviceBatch batch, int index, HostMirror mirror) {
    this.gpu = gpu;
    this.batch = batch;
    this.column = batch.columns().get(index);
    this.index = index;
    this.mirror = mirror;
  }

  /** The column in GPU memory (Arrow layout; see {@link DeviceColumn#bufferAddresses()}). */
  public DeviceColumn device() {
    return column;
  }

  /**
   * The batch the column belongs to: its sync event, and the handle {@link DeviceArrayExport#of}
   * exports.
   */
  public DeviceBatch batch() {
    return batch;
  }

  public int deviceOrdinal() {
    return gpu.ordinal();
  }

  /**
   * Whether the column's host copy has been made or issued (issued right after the decode under
   * {@code eager}).
   */
  public synchronized boolean copied() {
    return host != null || mirror.issued(index);
  }

  /** The column as an Arrow host vector: waits for its copy (issuing it first if it was not). */
  public synchronized FieldVector host() {
    if (closed)
      throw new IllegalStateException("column '" + column.column().name() + "' was released");
    if (host == null) host = mirror.vector(index);
    return host;
  }

  @Override
  public synchronized void close() {
    closed = true;
    if (host != null) host.close();
    host = null;
  }
}
