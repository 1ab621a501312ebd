package io.homi.runtime.gpu.decode;

import io.homi.runtime.gpu.CudaDriver;
import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.FieldVector;

/**
 * The columns of one decode, in GPU memory, and the CUDA event after which they are complete (the
 * sync event of the Arrow C Device Data Interface). Owns its device buffers.
 */
public final class DeviceBatch implements AutoCloseable {
  private final List<DeviceColumn> columns;
  private final long rows;
  private final long syncEvent;
  private final DecodeMetrics metrics;

  DeviceBatch(List<DeviceColumn> columns, long rows, long syncEvent, DecodeMetrics metrics) {
    this.columns = List.copyOf(columns);
    this.rows = rows;
    this.syncEvent = syncEvent;
    this.metrics = metrics;
  }

  public List<DeviceColumn> columns() {
    return columns;
  }

  public long rows() {
    return rows;
  }

  /** A CUevent handle recorded after the last kernel that wrote these columns. */
  public long syncEvent() {
    return syncEvent;
  }

  public DecodeMetrics metrics() {
    return metrics;
  }

  public long arrowBytes() {
    return columns.stream().mapToLong(DeviceColumn::arrowBytes).sum();
  }

  /** Copies every column to Arrow host vectors (after waiting for the sync event). */
  public List<FieldVector> toVectors(BufferAllocator allocator) {
    CudaDriver.eventSynchronize(syncEvent);
    List<FieldVector> out = new ArrayList<>();
    try {
      for (DeviceColumn c : columns) out.add(c.toVector(allocator));
    } catch (RuntimeException e) {
      out.forEach(FieldVector::close);
      throw e;
    }
    return out;
  }

  @Override
  public void close() {
    CudaDriver.eventSynchronize(syncEvent);
    columns.forEach(DeviceColumn::close);
    CudaDriver.eventDestroy(syncEvent);
  }
}
