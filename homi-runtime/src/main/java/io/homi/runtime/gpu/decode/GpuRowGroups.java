package io.homi.runtime.gpu.decode;

import io.homi.runtime.gpu.BufferPool;
import io.homi.runtime.gpu.CudaDriver;
import io.homi.runtime.gpu.GpuDevice;
import io.homi.runtime.gpu.PinnedBuffer;
import io.homi.runtime.parquet.ColumnDescriptor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.parquet.format.ColumnChunk;
import org.apache.parquet.format.CompressionCodec;
import org.apache.parquet.format.FileMetaData;
import org.apache.parquet.format.RowGroup;

/**
 * Row groups decoded into GPU memory, one device batch per row group: what the Spark reader
 * produces with {@code homi.output=gpu}, and what {@code homi gpucheck-decode --row-groups} proves
 * against the CPU decoder. One per runtime and GPU, started and closed by {@code
 * HomiRuntime.gpuRowGroups(int)}: the kernels, the staging buffers and the read threads are loaded
 * once. {@code homi.gpuDecoders} decoders take turns (each with its own staging), so one row
 * group's chunk reads and page table overlap another's kernels. Host copies go to pinned memory
 * from a pool bounded by {@code homi.gpuPinnedHostBytes}, over one copy stream of their own, so
 * they overlap the next decode's kernels.
 */
public final class GpuRowGroups implements AutoCloseable {
  /** When a row group's columns are copied to host memory ({@code homi.gpuHostCopy}). */
  public enum HostCopy {
    /** All columns into one pinned buffer, issued right after the decode (CPU consumers). */
    EAGER,
    /** A column into the row group's pinned buffer when first read on the CPU (GPU consumers). */
    LAZY,
    /**
     * A column when first read on the CPU, synchronously into ordinary memory (no pinned memory).
     */
    PAGEABLE;

    /** The value of {@code homi.gpuHostCopy}. */
    public static HostCopy of(String setting) {
      return valueOf(setting.toUpperCase(java.util.Locale.ROOT));
    }
  }

  /** Pinned host copies are rounded up to this: row groups of about one size reuse one buffer. */
  private static final long PINNED_GRANULE = 4L << 20;

  private final GpuDevice gpu;
  private final List<GpuParquetReader> readers;
  private final java.util.concurrent.BlockingQueue<GpuParquetReader> idle;
  private final BufferPool<PinnedBuffer> pinned;
  private final long copyStream; // device-to-host copies of the host mirrors
  private volatile boolean closed;

  /**
   * Decoders {@code readers} on {@code gpu} (this takes the readers over, not the device: its owner
   * closes it after this), host copies pinned up to {@code pinnedLimit} bytes.
   */
  public GpuRowGroups(GpuDevice gpu, List<GpuParquetReader> readers, long pinnedLimit) {
    if (readers.isEmpty()) throw new IllegalArgumentException("no decoders");
    this.gpu = gpu;
    this.readers = List.copyOf(readers);
    this.idle = new java.util.concurrent.ArrayBlockingQueue<>(readers.size(), true, readers);
    gpu.bind();
    this.copyStream = CudaDriver.streamCreate();
    this.pinned =
        new BufferPool<>(
            pinnedLimit,
            PINNED_GRANULE,
            bytes -> {
              gpu.bind(); // cuMemHostAlloc and cuMemFreeHost want a current context; any thread
              // may come here
              return new PinnedBuffer(bytes);
            },
            PinnedBuffer::capacity,
            b -> {
              gpu.bind();
              b.close();
            });
  }

  /**
   * {@code decoders} decoders on {@code gpu} (each its own staging, streams and kernels), host
   * copies pinned up to {@code pinnedLimit} bytes. The runtime starts one per GPU ordinal ({@code
   * HomiRuntime.gpuRowGroups}) with {@code homi.gpuDecoders} and {@code homi.gpuPinnedHostBytes};
   * what was made is freed when a decoder fails to start.
   */
  public static GpuRowGroups start(GpuDevice gpu, int decoders, long pinnedLimit) {
    List<GpuParquetReader> made = new ArrayList<>();
    try {
      int threads = Math.max(2, Runtime.getRuntime().availableProcessors() / 2);
      for (int i = 0; i < decoders; i++) made.add(new GpuParquetReader(gpu, threads));
      return new GpuRowGroups(gpu, made, pinnedLimit);
    } catch (RuntimeException | Error e) {
      for (GpuParquetReader r : made) {
        try {
          r.close();
        } catch (RuntimeException | Error s) {
          e.addSuppressed(s);
        }
      }
      throw e;
    }
  }

  /**
   * Why the kernels cannot decode {@code cols} of row group {@code rg}, known from the footer alone
   * (value kind, nesting, codec), or null when they may (encodings are known only from the pages:
   * {@link #decode} may still refuse with {@link
   * io.homi.runtime.parquet.UnsupportedParquetException}).
   */
  public static String refusal(FileMetaData md, List<ColumnDescriptor> cols, int rg) {
    if (cols.isEmpty()) return "no file columns to decode";
    RowGroup g = md.getRow_groups().get(rg);
    if (g.getNum_rows() <= 0 || g.getNum_rows() > Integer.MAX_VALUE)
      return g.getNum_rows() + " rows";
    for (ColumnDescriptor c : cols) {
      if (!PageTable.GPU_KINDS.contains(c.kind()))
        return "column '" + c.name() + "' is " + c.kind();
      if (c.maxDefinitionLevel() > 1) return "column '" + c.name() + "' is nested";
      ColumnChunk cc = g.getColumns().get(c.index());
      if (cc.isSetMeta_data()) {
        CompressionCodec codec = cc.getMeta_data().getCodec();
        if (!PageTable.supportsCodec(codec)) {
          return "column '" + c.name() + "' is " + codec;
        }
      }
    }
    return null;
  }

  /**
   * Row group {@code rg}'s {@code cols} in GPU memory, the bytes read by {@code source} (null:
   * plain reads), the chunks' runs coalesced across gaps up to {@code coalesceGap} (the scan's
   * {@code homi.coalesceGap}); host copies (when read) come from {@code host}, column by column.
   */
  public Batch decode(
      Path file,
      FileMetaData md,
      List<ColumnDescriptor> cols,
      int rg,
      MediatorSource source,
      long coalesceGap,
      BufferAllocator host)
      throws IOException {
    return decode(file, md, cols, rg, source, coalesceGap, host, HostCopy.LAZY);
  }

  /**
   * As {@link #decode(Path, FileMetaData, List, int, MediatorSource, long, BufferAllocator)}, the
   * host copies made as {@code hostCopy} says: under {@link HostCopy#EAGER} every column's copy to
   * pinned host memory is issued right after the decode (asynchronously: the first host read waits
   * for it).
   */
  public Batch decode(
      Path file,
      FileMetaData md,
      List<ColumnDescriptor> cols,
      int rg,
      MediatorSource source,
      long coalesceGap,
      BufferAllocator host,
      HostCopy hostCopy)
      throws IOException {
    if (closed)
      throw new IllegalStateException("the GPU decoder of GPU " + gpu.ordinal() + " is closed");
    GpuParquetReader reader;
    try {
      reader = idle.take();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted waiting for a GPU decoder for " + file);
    }
    GpuParquetReader.Result r;
    try {
      r =
          source == null
              ? reader.read(file, md, cols, new int[] {rg}, false, false, coalesceGap)
              : reader.read(file, md, cols, new int[] {rg}, source, false, coalesceGap);
    } finally {
      idle.add(reader);
    }
    DeviceBatch b = r.batch();
    HostMirror mirror = null;
    try {
      gpu.bind();
      mirror =
          new HostMirror(gpu, b, hostCopy == HostCopy.PAGEABLE ? null : pinned, copyStream, host);
      if (hostCopy == HostCopy.EAGER) mirror.start();
    } catch (RuntimeException | Error e) {
      try { // copies in flight finish before the device buffers go; the pinned buffer goes back
        if (mirror != null) mirror.close();
      } catch (RuntimeException | Error s) {
        e.addSuppressed(s);
      }
      gpu.bind();
      b.close();
      throw e;
    }
    List<LazyHostColumn> out = new ArrayList<>();
    for (int i = 0; i < b.columns().size(); i++) out.add(new LazyHostColumn(gpu, b, i, mirror));
    return new Batch(
        gpu, b, out, mirror, r.ioNanos(), r.pageTableNanos() + r.decodeNanos(), r.storedBytes());
  }

  /**
   * The pinned host memory of the host copies: its bound, what is held and in use (tests,
   * diagnostics).
   */
  public BufferPool<PinnedBuffer> pinnedHostMemory() {
    return pinned;
  }

  public GpuDevice gpu() {
    return gpu;
  }

  /**
   * Frees what this decoder holds: its decoders (staging, streams, kernels), the copy stream and
   * the idle pinned buffers (ones in use are freed when their row group is released). The GPU's
   * context stays: the device's owner releases it after this. Batches still open must be closed
   * first.
   */
  @Override
  public synchronized void close() {
    if (closed) return;
    closed = true;
    gpu.bind();
    readers.forEach(GpuParquetReader::close);
    pinned.close();
    CudaDriver.streamDestroy(copyStream);
  }

  /**
   * One row group in GPU memory: the device batch, its columns with their host copies, and the
   * pinned mirror.
   */
  public record Batch(
      GpuDevice gpu,
      DeviceBatch device,
      List<LazyHostColumn> columns,
      HostMirror mirror,
      long ioNanos,
      long decodeNanos,
      long storedBytes)
      implements AutoCloseable {
    public int rows() {
      return (int) device.rows();
    }

    /**
     * Whether the host copy is in pinned memory (false: not started yet, or ordinary memory as the
     * pool was full).
     */
    public boolean hostPinned() {
      return mirror.pinned();
    }

    /**
     * Host vectors first, then the mirror (waiting for copies in flight), then the device buffers.
     */
    @Override
    public void close() {
      try {
        columns.forEach(LazyHostColumn::close);
        mirror.close();
      } finally {
        gpu.bind();
        device.close();
      }
    }
  }
}
