package io.homi.runtime.gpu.decode;

import io.homi.runtime.gpu.CudaDriver;
import io.homi.runtime.gpu.DeviceBuffer;
import io.homi.runtime.gpu.GpuDevice;
import io.homi.runtime.gpu.PinnedBuffer;
import io.homi.runtime.os.Libc;
import io.homi.runtime.parquet.ColumnDescriptor;
import io.homi.runtime.parquet.ParquetFooter;
import io.homi.runtime.parquet.ParquetSchema;
import io.homi.runtime.parquet.ScanPlan;
import io.homi.runtime.parquet.UnsupportedParquetException;
import io.homi.runtime.settings.HomiSettings;
import io.homi.runtime.settings.JvmSettings;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.parquet.format.FileMetaData;

/**
 * A Parquet file to Arrow columns in GPU memory: footer, chunk plan, reads of the projected chunks
 * into pinned staging by several threads (buffered, or O_DIRECT for cold reads), each thread
 * copying its part to the device as it lands, the page table built on the host, then {@link
 * GpuDecoder}. Staging buffers are kept and grown across files.
 */
public final class GpuParquetReader implements AutoCloseable {
  private static final long TASK = 8L << 20;
  private final GpuDevice gpu;
  private final DecodeKernels kernels;
  private final GpuDecoder decoder;
  private final ExecutorService pool;
  private final int threads;
  private final boolean gpuZstd;
  private PinnedBuffer pinned;
  private DeviceBuffer device;
  private PinnedBuffer
      inflatePinned; // host-decompressed pages (PageTable.inflate), grown across files

  /** Timings of one read (nanoseconds) next to the batch it produced. */
  public record Result(
      DeviceBatch batch, long ioNanos, long pageTableNanos, long decodeNanos, long storedBytes) {
    public long totalNanos() {
      return ioNanos + pageTableNanos + decodeNanos;
    }
  }

  public GpuParquetReader(GpuDevice gpu, int threads) {
    this(gpu, threads, GpuZstd.of(JvmSettings.get().get(HomiSettings.GPU_ZSTD)));
  }

  /**
   * @param zstd who decompresses ZSTD pages (the host's zstd-jni, or a GPU kernel), as {@code
   *     homi.gpuZstd}
   */
  public GpuParquetReader(GpuDevice gpu, int threads, GpuZstd zstd) {
    this.gpuZstd = zstd != GpuZstd.OFF;
    this.gpu = gpu;
    gpu.bind();
    this.kernels = DecodeKernels.load();
    this.decoder = new GpuDecoder(kernels, 8, zstd);
    this.threads = threads;
    this.pool =
        Executors.newFixedThreadPool(
            threads,
            r -> {
              Thread t = new Thread(r, "homi-gpu-read");
              t.setDaemon(true);
              return t;
            });
  }

  /** Whether this reader decompresses ZSTD pages on the GPU. */
  public boolean gpuZstd() {
    return gpuZstd;
  }

  /** Footer of {@code file} (plain file reads: the footer is small), by the one footer parser. */
  public static FileMetaData footer(Path file) throws IOException {
    return ParquetFooter.read(file).metadata();
  }

  /**
   * Reads and decodes {@code columns} (null = all) of every row group of {@code file}, runs
   * coalesced across gaps up to {@code coalesceGap}.
   */
  public Result read(
      Path file, List<String> columns, boolean direct, boolean hostDecompress, long coalesceGap)
      throws IOException {
    gpu.bind();
    String name = file.toString();
    long t0 = System.nanoTime();
    FileMetaData md = footer(file);
    ParquetSchema schema = ParquetSchema.of(md, name);
    List<ColumnDescriptor> cols = new ArrayList<>();
    if (columns == null) cols.addAll(schema.columns());
    else
      for (String c : columns)
        cols.add(java.util.Objects.requireNonNull(schema.column(c), "no column " + c));
    return read(file, md, cols, null, direct, hostDecompress, null, coalesceGap, t0);
  }

  /**
   * Reads and decodes {@code cols} of {@code rowGroups} (null = all) of {@code file}, whose footer
   * the caller has: one device batch, the row groups one after the other. A column, encoding or
   * codec the kernels do not decode raises {@link
   * io.homi.runtime.parquet.UnsupportedParquetException} before any kernel runs. Calls are
   * serialised: the staging buffers are this reader's.
   */
  public Result read(
      Path file,
      FileMetaData md,
      List<ColumnDescriptor> cols,
      int[] rowGroups,
      boolean direct,
      boolean hostDecompress,
      long coalesceGap)
      throws IOException {
    gpu.bind();
    return read(
        file, md, cols, rowGroups, direct, hostDecompress, null, coalesceGap, System.nanoTime());
  }

  /**
   * As {@link #read(Path, FileMetaData, List, int[], boolean, boolean, long)}, the chunk bytes read
   * by {@code source} (the mediator's GPU path, straight into device staging) instead of plain
   * pread; the host page table then works on a device-to-host copy of them.
   */
  public Result read(
      Path file,
      FileMetaData md,
      List<ColumnDescriptor> cols,
      int[] rowGroups,
      MediatorSource source,
      boolean hostDecompress,
      long coalesceGap)
      throws IOException {
    gpu.bind();
    return read(
        file, md, cols, rowGroups, false, hostDecompress, source, coalesceGap, System.nanoTime());
  }

  private synchronized Result read(
      Path file,
      FileMetaData md,
      List<ColumnDescriptor> cols,
      int[] rowGroups,
      boolean direct,
      boolean hostDecompress,
      MediatorSource source,
      long coalesceGap,
      long t0)
      throws IOException {
    String name = file.toString();
    long fileSize = java.nio.file.Files.size(file);
    for (ColumnDescriptor c : cols) {
      if (c.isNested())
        throw new UnsupportedParquetException(
            "nested column '" + c.name() + "' on the GPU decode path", name);
    }
    ScanPlan plan = ScanPlan.of(name, md, cols, rowGroups, fileSize, coalesceGap);
    ensureStaging(plan.stageBytes());
    if (source != null) stageThroughMediator(plan, source);
    else stage(file, plan, direct);
    long t1 = System.nanoTime();
    PageTable table = new PageTable(name, hostDecompress, gpuZstd);
    List<GpuDecoder.Column> dcols = new ArrayList<>();
    long rowBase = 0;
    long stored = 0;
    for (int ci = 0; ci < cols.size(); ci++) {
      int first = table.size();
      table.startColumn();
      long rows = 0;
      for (ScanPlan.Chunk c : plan.chunks()) {
        if (c.column() != ci) continue;
        ByteBuffer bytes = pinned.view(c.stageOffset(), (int) c.length());
        table.addChunk(
            cols.get(ci),
            bytes,
            c.fileOffset(),
            c.stageOffset(),
            c.codec(),
            rowBase + rows,
            c.rows(),
            c.rowGroup());
        rows += c.rows();
        stored += c.length();
      }
      dcols.add(new GpuDecoder.Column(cols.get(ci), rowBase, rows, first, table.size() - first));
      rowBase += rows;
    }
    if (table.inflatedSize() > 0) {
      // other codecs: the CPU decoder's codecs on this reader's threads, straight into pinned
      // memory
      if (inflatePinned == null || inflatePinned.capacity() < table.inflatedSize()) {
        if (inflatePinned != null) inflatePinned.close();
        inflatePinned = null;
        inflatePinned = new PinnedBuffer(table.inflatedSize());
      }
      table.inflate(inflatePinned.view(0, (int) table.inflatedSize()), pool);
    }
    long t2 = System.nanoTime();
    DeviceBatch batch = decoder.decode(name, table, dcols, device.address(), stored);
    long t3 = System.nanoTime();
    return new Result(batch, t1 - t0, t2 - t1, t3 - t2, stored);
  }

  /**
   * Chunk runs read by the mediator into device staging, then copied back for the host page table.
   */
  private void stageThroughMediator(ScanPlan plan, MediatorSource source) throws IOException {
    if (registeredIn != source.buffers() || registeredAt != device.address()) {
      unregisterDevice();
      source
          .buffers()
          .register(
              device.address(),
              device.capacity(),
              io.homi.runtime.mediator.BufferRegistry.Kind.DEVICE);
      registeredIn = source.buffers();
      registeredAt = device.address();
    }
    int n = plan.runs().size();
    long[] offsets = new long[n];
    long[] lengths = new long[n];
    long[] dests = new long[n];
    for (int i = 0; i < n; i++) {
      ScanPlan.Run r = plan.runs().get(i);
      offsets[i] = r.fileOffset();
      lengths[i] = r.length();
      dests[i] = device.address() + r.stageOffset();
    }
    source.read(offsets, lengths, dests);
    for (ScanPlan.Run r : plan.runs()) {
      CudaDriver.copyDtoH(
          pinned.address() + r.stageOffset(), device.address() + r.stageOffset(), r.length());
    }
  }

  private io.homi.runtime.mediator.BufferRegistry registeredIn;
  private long registeredAt;

  private void unregisterDevice() {
    if (registeredIn != null) registeredIn.unregister(registeredAt);
    registeredIn = null;
    registeredAt = 0;
  }

  private void ensureStaging(long bytes) {
    long need = Math.max(ScanPlan.ALIGN, bytes);
    if (pinned != null && pinned.capacity() >= need) return;
    unregisterDevice();
    if (pinned != null) pinned.close();
    if (device != null) device.close();
    pinned = null;
    device = null;
    // Device first: when it fails (out of memory) neither is kept, so the next read starts clean.
    DeviceBuffer d = new DeviceBuffer(need);
    try {
      pinned = new PinnedBuffer(need);
    } catch (RuntimeException | Error e) {
      d.close();
      throw e;
    }
    device = d;
  }

  /**
   * Reads every run into pinned staging in TASK pieces on the pool; each piece then goes to the
   * device.
   */
  private void stage(Path file, ScanPlan plan, boolean direct) throws IOException {
    int flags = Libc.O_RDONLY | Libc.O_CLOEXEC | (direct ? Libc.O_DIRECT : 0);
    int fd;
    try {
      fd = Libc.open(file.toString(), flags);
    } catch (RuntimeException e) { // a failed libc call (its errno, through the boundary class)
      if (Libc.errno(e) < 0) throw e;
      throw new IOException(
          "open " + file + (direct ? " with O_DIRECT" : "") + ": " + Libc.strerror(Libc.errno(e)),
          e);
    }
    try {
      List<Future<?>> work = new ArrayList<>();
      long ctx = gpu.context();
      for (ScanPlan.Run r : plan.runs()) {
        for (long off = 0; off < r.length(); off += TASK) {
          long len = Math.min(TASK, r.length() - off);
          long fileOff = r.fileOffset() + off;
          long stageOff = r.stageOffset() + off;
          work.add(
              pool.submit(
                  () -> {
                    CudaDriver.setCurrent(ctx);
                    long n = Libc.preadFully(fd, pinned.address() + stageOff, len, fileOff);
                    if (n > 0)
                      CudaDriver.copyHtoD(
                          device.address() + stageOff, pinned.address() + stageOff, n);
                    return null;
                  }));
        }
      }
      for (Future<?> f : work) {
        try {
          f.get();
        } catch (java.util.concurrent.ExecutionException e) {
          throw new IOException("reading " + file + ": " + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IOException("interrupted reading " + file, e);
        }
      }
    } finally {
      Libc.close(fd);
    }
  }

  /**
   * Grows the pinned and device staging to {@code bytes} now, so that timed reads do not allocate.
   */
  public void reserve(long bytes) {
    gpu.bind();
    ensureStaging((bytes + ScanPlan.ALIGN - 1) / ScanPlan.ALIGN * ScanPlan.ALIGN);
  }

  /**
   * The raw-disk anchor: the whole file read with O_DIRECT into pinned staging (no copy, no
   * decode).
   */
  public long rawRead(Path file) throws IOException {
    long size = java.nio.file.Files.size(file);
    long aligned = (size + ScanPlan.ALIGN - 1) / ScanPlan.ALIGN * ScanPlan.ALIGN;
    ensureStaging(aligned);
    int fd = Libc.open(file.toString(), Libc.O_RDONLY | Libc.O_CLOEXEC | Libc.O_DIRECT);
    try {
      List<Future<Long>> work = new ArrayList<>();
      for (long off = 0; off < aligned; off += TASK) {
        long o = off;
        long len = Math.min(TASK, aligned - off);
        work.add(pool.submit(() -> Libc.preadFully(fd, pinned.address() + o, len, o)));
      }
      long n = 0;
      for (Future<Long> f : work) n += f.get();
      return n;
    } catch (InterruptedException | java.util.concurrent.ExecutionException e) {
      throw new IOException("raw read of " + file + ": " + e, e);
    } finally {
      Libc.close(fd);
    }
  }

  public int threads() {
    return threads;
  }

  @Override
  public void close() {
    pool.shutdownNow();
    decoder.close();
    kernels.close();
    unregisterDevice();
    if (pinned != null) pinned.close();
    if (device != null) device.close();
    if (inflatePinned != null) inflatePinned.close();
  }
}
