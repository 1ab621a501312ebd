package io.homi.runtime.gpu.decode;

import io.homi.runtime.settings.HomiSettings;
import io.homi.runtime.settings.JvmSettings;
import io.homi.runtime.gpu.GpuDevice;
import io.homi.runtime.gpu.GpuProbe;
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
 * produces with {@code homi.output=gpu}, and what {@code homi gpucheck-decode --row-groups}
 * proves against the CPU decoder. One per JVM ({@link #shared()}): the kernels, the staging
 * buffers and the read threads are loaded once, and decodes take turns on them.
 */
public final class GpuRowGroups {
  private static final Object LOCK = new Object();
  // One decoder per GPU ordinal the JVM was handed (normally one: the executor's GPU).
  private static final java.util.Map<Integer, GpuRowGroups> SHARED = new java.util.concurrent.ConcurrentHashMap<>();
  private static final java.util.Map<Integer, String> START_ERRORS = new java.util.concurrent.ConcurrentHashMap<>();
  private final GpuDevice gpu;
  private final GpuParquetReader reader;

  public GpuRowGroups(GpuDevice gpu, GpuParquetReader reader) {
    this.gpu = gpu;
    this.reader = reader;
  }

  /**
   * Why GPU output cannot be produced in this JVM, or null when it can: no usable GPU (the
   * {@link GpuProbe} reason), or the decoder failed to start (kernels missing, context).
   */
  public static String unavailableReason() {
    return unavailableReason(GpuProbe.defaultOrdinal());
  }

  /** As {@link #unavailableReason()}, for GPU {@code ordinal}. */
  public static String unavailableReason(int ordinal) {
    GpuProbe.Result p = GpuProbe.probe(ordinal);
    if (!p.usable()) return "no usable GPU: " + p.reason();
    try {
      shared(ordinal);
      return null;
    } catch (RuntimeException e) {
      return "the GPU decoder could not start on GPU " + ordinal + ": " + e.getMessage();
    }
  }

  /** This JVM's decoder on its default GPU ({@link GpuProbe#defaultOrdinal()}), started on first use. */
  public static GpuRowGroups shared() {
    return shared(GpuProbe.defaultOrdinal());
  }

  /** This JVM's decoder on GPU {@code ordinal}, started on first use (a start failure is remembered). */
  public static GpuRowGroups shared(int ordinal) {
    GpuRowGroups s = SHARED.get(ordinal);
    if (s != null) return s;
    synchronized (LOCK) {
      s = SHARED.get(ordinal);
      if (s != null) return s;
      String startError = START_ERRORS.get(ordinal);
      if (startError != null) throw new IllegalStateException(startError);
      GpuDevice gpu = null;
      try {
        gpu = GpuDevice.open(ordinal);
        s = new GpuRowGroups(gpu, new GpuParquetReader(gpu, Math.max(2, Runtime.getRuntime().availableProcessors() / 2)));
        SHARED.put(ordinal, s);
        return s;
      } catch (RuntimeException | Error e) {
        if (gpu != null) gpu.close();
        START_ERRORS.put(ordinal, String.valueOf(e.getMessage()));
        throw e;
      }
    }
  }

  /**
   * Why the kernels cannot decode {@code cols} of row group {@code rg}, known from the footer
   * alone (value kind, nesting, codec), or null when they may (encodings are known only from the
   * pages: {@link #decode} may still refuse with {@link io.homi.runtime.parquet.UnsupportedParquetException}).
   */
  public static String refusal(FileMetaData md, List<ColumnDescriptor> cols, int rg) {
    if (cols.isEmpty()) return "no file columns to decode";
    RowGroup g = md.getRow_groups().get(rg);
    if (g.getNum_rows() <= 0 || g.getNum_rows() > Integer.MAX_VALUE) return g.getNum_rows() + " rows";
    for (ColumnDescriptor c : cols) {
      if (!PageTable.GPU_KINDS.contains(c.kind())) return "column '" + c.name() + "' is " + c.kind();
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
   * Row group {@code rg}'s {@code cols} in GPU memory, the bytes read by {@code source} (null: plain
   * reads), the chunks' runs coalesced across gaps up to {@code coalesceGap} (the scan's
   * {@code homi.coalesceGap}); host copies (when read) come from {@code host}.
   */
  public Batch decode(Path file, FileMetaData md, List<ColumnDescriptor> cols, int rg, MediatorSource source,
                      long coalesceGap, BufferAllocator host) throws IOException {
    GpuParquetReader.Result r = source == null ? reader.read(file, md, cols, new int[] {rg}, false, false, coalesceGap)
        : reader.read(file, md, cols, new int[] {rg}, source, false, coalesceGap);
    DeviceBatch b = r.batch();
    List<LazyHostColumn> out = new ArrayList<>();
    for (DeviceColumn c : b.columns()) out.add(new LazyHostColumn(gpu, b, c, host));
    return new Batch(gpu, b, out, r.ioNanos(), r.pageTableNanos() + r.decodeNanos(), r.storedBytes());
  }

  public GpuDevice gpu() {
    return gpu;
  }

  /** One row group in GPU memory: the device batch and its columns with their lazy host copies. */
  public record Batch(GpuDevice gpu, DeviceBatch device, List<LazyHostColumn> columns, long ioNanos, long decodeNanos, long storedBytes)
      implements AutoCloseable {
    public int rows() {
      return (int) device.rows();
    }

    @Override
    public void close() {
      columns.forEach(LazyHostColumn::close);
      gpu.bind();
      device.close();
    }
  }
}
