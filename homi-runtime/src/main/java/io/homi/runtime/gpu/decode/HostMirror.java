package io.homi.runtime.gpu.decode;

import io.homi.runtime.gpu.BufferPool;
import io.homi.runtime.gpu.CudaDriver;
import io.homi.runtime.gpu.CudaException;
import io.homi.runtime.gpu.GpuDevice;
import io.homi.runtime.gpu.PinnedBuffer;
import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.ForeignAllocation;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.ipc.message.ArrowFieldNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The host copy of one GPU row group: every column's Arrow buffers (validity, [offsets,] values)
 * laid out in one pinned host buffer from a {@link BufferPool}, filled by asynchronous
 * device-to-host copies on a copy stream, and read by Arrow vectors that are views of it (no
 * further copy). Pinned memory is why: a copy to pageable memory goes through the driver's bounce
 * buffer at a fraction of the link's speed and blocks the calling thread, one column at a time.
 * {@link #start()} issues every column's copies at once right after the decode (what a CPU plan
 * needs); otherwise a column is copied when it is first read. The pinned buffer goes back to the
 * pool when the last vector over it and this mirror are closed (Arrow's reference count). With no
 * pool ({@code homi.gpuHostCopy=pageable}) every column is copied as below. Without a pinned buffer
 * (the pool's bound reached, or page locking failed) columns are copied into ordinary Arrow vectors
 * as before. Not thread-safe beyond its synchronized methods.
 */
public final class HostMirror implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(HostMirror.class);
  private static final long ALIGN = 64; // Arrow's buffer alignment
  private static volatile boolean pinFailureLogged;
  private final GpuDevice gpu;
  private final DeviceBatch batch;
  private final BufferPool<PinnedBuffer> pool; // null: pageable copies only
  private final long stream;
  private final BufferAllocator allocator;
  private final long[][] offsets; // per column, per Arrow buffer: offset in the pinned buffer
  private final long[][] bytes; // per column, per Arrow buffer: bytes to copy (0: none)
  private final long[][] sources; // per column, per Arrow buffer: device address
  private final long total;
  private final boolean[] issued;
  private PinnedBuffer pinned; // null until the first copy; stays null when the pool refused
  private boolean refused; // no pinned buffer for this row group: pageable copies
  private ArrowBuf
      whole; // the pinned buffer as Arrow memory (its reference count returns it to the pool)
  private long event; // recorded after the last issued copy; 0 = none issued
  private boolean waited; // every issued copy has completed
  private boolean closed;

  HostMirror(
      GpuDevice gpu,
      DeviceBatch batch,
      BufferPool<PinnedBuffer> pool,
      long stream,
      BufferAllocator allocator) {
    this.gpu = gpu;
    this.batch = batch;
    this.pool = pool;
    this.stream = stream;
    this.allocator = allocator;
    List<DeviceColumn> cols = batch.columns();
    offsets = new long[cols.size()][];
    bytes = new long[cols.size()][];
    sources = new long[cols.size()][];
    issued = new boolean[cols.size()];
    long at = 0;
    for (int c = 0; c < cols.size(); c++) {
      DeviceColumn d = cols.get(c);
      long n = d.rows();
      long values =
          d.column().kind().isByteArray()
              ? d.dataBytes()
              : DeviceColumn.valueBytes(d.column().kind(), n);
      boolean strings = d.offsetsBuffer() != null;
      bytes[c] =
          strings
              ? new long[] {(n + 7) / 8, (n + 1) * 4, values}
              : new long[] {(n + 7) / 8, values};
      sources[c] =
          strings
              ? new long[] {
                addr(d.validityBuffer()), addr(d.offsetsBuffer()), addr(d.valuesBuffer())
              }
              : new long[] {addr(d.validityBuffer()), addr(d.valuesBuffer())};
      offsets[c] = new long[bytes[c].length];
      for (int k = 0; k < bytes[c].length; k++) {
        if (bytes[c][k] > 0 && sources[c][k] == 0)
          throw new IllegalStateException(
              "column '"
                  + d.column().name()
                  + "': "
                  + bytes[c][k]
                  + " bytes of buffer "
                  + k
                  + " but no device buffer");
        offsets[c][k] = at;
        at += (bytes[c][k] + ALIGN - 1) / ALIGN * ALIGN;
      }
    }
    total = Math.max(ALIGN, at);
  }

  private static long addr(io.homi.runtime.gpu.DeviceBuffer b) {
    return b == null ? 0 : b.address();
  }

  /** Bytes of the pinned buffer this row group needs (every column). */
  long bytes() {
    return total;
  }

  /** Issues every column's copies now (asynchronously, after the batch's sync event). */
  synchronized void start() {
    if (closed || !pin()) return;
    for (int c = 0; c < issued.length; c++) issue(c);
    record();
  }

  /** Whether column {@code c}'s copy has been issued (or made, without pinned memory). */
  synchronized boolean issued(int c) {
    return issued[c];
  }

  /**
   * Whether this row group's host copy is in pinned memory (false: pageable, or not yet started).
   */
  synchronized boolean pinned() {
    return pinned != null;
  }

  /**
   * Column {@code c} as an Arrow host vector (the caller closes it): a view of the mirror, or a
   * pageable copy.
   */
  synchronized FieldVector vector(int c) {
    if (closed) throw new IllegalStateException("the row group's host copy was released");
    gpu.bind(); // the calling thread may not have used CUDA yet
    if (!pin()) {
      CudaDriver.eventSynchronize(batch.syncEvent());
      issued[c] = true;
      return batch.columns().get(c).toVector(allocator);
    }
    if (!issued[c]) {
      issue(c);
      record();
    }
    if (!waited) {
      CudaDriver.eventSynchronize(event);
      if (allIssued()) waited = true; // later lazy copies record a new event
    }
    return view(c);
  }

  private boolean allIssued() {
    for (boolean b : issued) if (!b) return false;
    return true;
  }

  /** Takes the pinned buffer on first use; false when the pool has none for this row group. */
  private boolean pin() {
    if (pinned != null) return true;
    if (refused || pool == null) return false;
    gpu.bind();
    PinnedBuffer taken;
    try {
      taken = pool.take(total);
    } catch (
        CudaException
            e) { // page locking failed (host memory, ulimit): copy to ordinary memory instead
      if (!pinFailureLogged) {
        pinFailureLogged = true;
        LOG.warn(
            "homi: no pinned host memory for GPU row groups ({}); copying them to ordinary host memory",
            e.getMessage());
      }
      taken = null;
    }
    if (taken == null) {
      refused = true;
      return false;
    }
    PinnedBuffer p = taken;
    ArrowBuf w;
    try {
      w =
          wrap(
              allocator,
              p.address(),
              p.capacity(),
              () -> pool.give(p)); // given back when the last view closes
    } catch (RuntimeException e) {
      pool.give(p);
      throw e;
    }
    pinned = p;
    whole = w;
    return true;
  }

  private void issue(int c) {
    if (issued[c]) return;
    CudaDriver.streamWaitEvent(stream, batch.syncEvent()); // the columns are complete
    for (int k = 0; k < bytes[c].length; k++) {
      if (bytes[c][k] > 0)
        CudaDriver.copyDtoHAsync(
            pinned.address() + offsets[c][k], sources[c][k], bytes[c][k], stream);
    }
    issued[c] = true;
  }

  private void record() {
    if (event == 0) event = CudaDriver.eventCreate();
    CudaDriver.eventRecord(event, stream);
    waited = false;
  }

  /** Column {@code c} as an Arrow vector over the pinned buffer (the copies have completed). */
  private FieldVector view(int c) {
    DeviceColumn d = batch.columns().get(c);
    return view(
        d.column().arrowField(),
        whole,
        offsets[c],
        bytes[c],
        (int) d.rows(),
        d.nullCount(),
        allocator);
  }

  /**
   * Host memory at {@code address} as Arrow memory of {@code allocator} (counted there), whose
   * {@code release} runs once, when the returned buffer and every view of it are closed.
   */
  static ArrowBuf wrap(BufferAllocator allocator, long address, long capacity, Runnable release) {
    return allocator.wrapForeignAllocation(
        new ForeignAllocation(capacity, address) {
          @Override
          protected void release0() {
            release.run();
          }
        });
  }

  /**
   * A vector of {@code field} with {@code rows} values over the Arrow buffers (validity, [offsets,]
   * values) at {@code offsets} in {@code whole}, {@code bytes} long; the vector holds references to
   * {@code whole}, released when it is closed.
   */
  static FieldVector view(
      org.apache.arrow.vector.types.pojo.Field field,
      ArrowBuf whole,
      long[] offsets,
      long[] bytes,
      int rows,
      long nullCount,
      BufferAllocator allocator) {
    FieldVector v = field.createVector(allocator);
    List<ArrowBuf> bufs = new ArrayList<>();
    try {
      for (int k = 0; k < bytes.length; k++) bufs.add(whole.slice(offsets[k], bytes[k]));
      // Retains the views and sets the value count (and a variable-width vector's last set index);
      // the validity is a buffer of its own when there are no nulls, as Arrow does for IPC.
      v.loadFieldBuffers(new ArrowFieldNode(rows, nullCount), bufs);
      return v;
    } catch (RuntimeException e) {
      v.close();
      throw e;
    }
  }

  /**
   * Waits for copies in flight (the device buffers and the pinned buffer must outlive them) and
   * lets the pinned buffer go: back to the pool once the vectors over it are closed too.
   */
  @Override
  public synchronized void close() {
    if (closed) return;
    closed = true;
    try {
      if (event != 0) {
        gpu.bind();
        try {
          CudaDriver.eventSynchronize(event);
        } finally {
          CudaDriver.eventDestroy(event);
          event = 0;
        }
      }
    } finally {
      if (whole != null) whole.close();
      whole = null;
    }
  }
}
