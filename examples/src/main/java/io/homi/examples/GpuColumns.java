package io.homi.examples;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import io.homi.runtime.HomiRuntime;
import io.homi.runtime.control.ParquetLayout;
import io.homi.runtime.gpu.CuFile;
import io.homi.runtime.gpu.CudaDriver;
import io.homi.runtime.gpu.DeviceBuffer;
import io.homi.runtime.gpu.GpuDevice;
import io.homi.runtime.gpu.GpuPath;
import io.homi.runtime.gpu.GpuProbe;
import io.homi.runtime.mediator.Namespace;
import io.homi.runtime.os.OpenFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import java.util.zip.CRC32;

/**
 * Reads a Parquet file's projected column chunks into GPU memory through HOMI's GPU path
 * (cuFile where the platform has it, a pinned staging pipeline otherwise; it says which), then
 * copies each chunk back and checks it byte for byte against the file. Where no GPU is usable it
 * prints why and exits 0, so it is safe to run anywhere.
 *
 * <p>The GPU decode of those chunks into Arrow device columns is the next step of the GPU work;
 * until it lands, this example stops at the column chunks in device memory.
 *
 * <p>Usage: GpuColumns [parquet file or directory] [columns, comma separated]
 * (defaults: writes 1,000,000 trips under target/homi-examples/trips_gpu; columns fare,km,city)
 */
public final class GpuColumns {
  private GpuColumns() {}

  /** One column chunk landed in device memory. */
  record Landed(int rowGroup, String column, long fileOffset, long bytes, long deviceOffset, boolean intact) {}

  public static void main(String[] args) throws Exception {
    GpuProbe.Result g = GpuProbe.probe();
    if (!g.usable()) {
      System.out.println("GPU columns: skipped: no usable GPU: " + g.reason());
      System.out.println("(bin/homi doctor shows every path and why; the CPU examples run anywhere)");
      return;
    }
    Set<String> cols = Set.of((args.length > 1 ? args[1] : "fare,km,city").split(","));
    Path file = args.length > 0 ? Path.of(args[0]) : null;
    if (file == null) file = generate(Path.of("target/homi-examples/trips_gpu").toAbsolutePath());
    if (Files.isDirectory(file)) file = firstParquet(file);
    System.out.printf("GPU      %s (%s), CC %s, %.1f GiB, driver %s%n", g.deviceName(), g.pciAddress(), g.computeCapability(),
        g.totalBytes() / 1073741824.0, g.driverLabel());
    run(file, cols);
  }

  static List<Landed> run(Path file, Set<String> cols) throws Exception {
    ParquetLayout layout = ParquetLayout.read(file);
    List<ParquetLayout.ColumnRange> chunks = new ArrayList<>();
    List<Integer> groups = new ArrayList<>();
    for (ParquetLayout.RowGroupRange rg : layout.rowGroups()) {
      for (ParquetLayout.ColumnRange c : rg.columns()) {
        if (cols.contains(c.path())) {
          chunks.add(c);
          groups.add(rg.index());
        }
      }
    }
    if (chunks.isEmpty()) throw new IllegalArgumentException("none of the columns " + cols + " in " + file);
    long total = chunks.stream().mapToLong(ParquetLayout.ColumnRange::length).sum();
    String cufileErr = CuFile.open();
    GpuPath.Engine engine = cufileErr == null ? GpuPath.Engine.CUFILE : GpuPath.Engine.STAGING;
    System.out.printf("file     %s, %d row groups; columns %s: %d chunks, %,d bytes%n", file, layout.rowGroups().size(), cols,
        chunks.size(), total);
    System.out.println("engine   " + (engine == GpuPath.Engine.CUFILE ? "cuFile, mode " + CuFile.mode()
        : "pinned staging (O_DIRECT -> pinned -> H2D); cuFile: " + cufileErr));

    List<Landed> out = new ArrayList<>();
    HomiRuntime rt = HomiRuntime.get();
    // each chunk at a 4 KiB-aligned place in one device buffer, as a decoder would want them
    long[] at = new long[chunks.size()];
    long cap = 0;
    for (int i = 0; i < chunks.size(); i++) {
      at[i] = cap;
      cap += (chunks.get(i).length() + 4095) & -4096L;
    }
    try (GpuDevice gpu = GpuDevice.open(0); OpenFile f = OpenFile.open(file); DeviceBuffer dst = new DeviceBuffer(cap);
         FileChannel ch = FileChannel.open(file)) {
      Namespace ns = rt.attach(f);
      try {
        double ms;
        try {
          ms = land(gpu, engine, ns, chunks, dst, at);
        } catch (java.io.IOException | RuntimeException e) {
          if (engine != GpuPath.Engine.CUFILE) throw e;
          // cuFile opened, but refused this file (its file system, say): the staging pipeline serves it
          System.out.println("engine   cuFile refused this file (" + e.getMessage() + "); using pinned staging");
          engine = GpuPath.Engine.STAGING;
          ms = land(gpu, engine, ns, chunks, dst, at);
        }
        for (int i = 0; i < chunks.size(); i++) {
          ParquetLayout.ColumnRange c = chunks.get(i);
          out.add(new Landed(groups.get(i), c.path(), c.offset(), c.length(), at[i], sameBytes(ch, c, dst.address() + at[i])));
        }
        System.out.printf("%n%-9s %-10s %14s %12s %14s  %s%n", "row group", "column", "file offset", "bytes", "device offset", "intact");
        for (Landed l : out) {
          System.out.printf("%-9d %-10s %14d %,12d %14d  %s%n", l.rowGroup(), l.column(), l.fileOffset(), l.bytes(), l.deviceOffset(),
              l.intact() ? "yes" : "NO");
        }
        System.out.printf("%n%,d bytes of column chunks in GPU memory by %s in %.1f ms (%.2f GB/s), every chunk checked against the file: %s%n",
            total, engine == GpuPath.Engine.CUFILE ? "cuFile" : "pinned staging", ms, total / ms / 1e6,
            out.stream().allMatch(Landed::intact) ? "intact" : "MISMATCH");
      } finally {
        rt.detach(ns);
      }
    }
    if (!out.stream().allMatch(Landed::intact)) System.exit(1);
    return out;
  }

  /** Reads every chunk into the device buffer through one GPU path; milliseconds taken. */
  private static double land(GpuDevice gpu, GpuPath.Engine engine, Namespace ns, List<ParquetLayout.ColumnRange> chunks,
                             DeviceBuffer dst, long[] at) throws java.io.IOException {
    try (GpuPath path = new GpuPath(gpu, engine, 4, 4L << 20)) {
      long t0 = System.nanoTime();
      for (int i = 0; i < chunks.size(); i++) {
        ParquetLayout.ColumnRange c = chunks.get(i);
        long n = path.read(ns, c.offset(), dst.address() + at[i], c.length());
        if (n != c.length()) throw new java.io.IOException("short read " + n + " of " + c.length() + " at " + c.offset());
      }
      CudaDriver.synchronize();
      return (System.nanoTime() - t0) / 1e6;
    }
  }

  /** Copies the chunk back from the device and compares CRC32s with the file's bytes. */
  private static boolean sameBytes(FileChannel ch, ParquetLayout.ColumnRange c, long devicePtr) throws java.io.IOException {
    ByteBuffer want = ByteBuffer.allocate((int) c.length());
    while (want.hasRemaining()) {
      if (ch.read(want, c.offset() + want.position()) < 0) break;
    }
    try (Memory host = new Memory(c.length())) {
      CudaDriver.copyDtoH(Pointer.nativeValue(host), devicePtr, c.length());
      CRC32 a = new CRC32();
      a.update(want.flip());
      CRC32 b = new CRC32();
      b.update(host.getByteBuffer(0, c.length()));
      return a.getValue() == b.getValue();
    }
  }

  private static Path generate(Path dir) throws Exception {
    var spark = Examples.spark("homi-example-gpu");
    try {
      Examples.trips(spark, 1_000_000L).coalesce(1).write().mode("overwrite").parquet(dir.toString());
    } finally {
      spark.stop();
    }
    return firstParquet(dir);
  }

  private static Path firstParquet(Path dir) throws java.io.IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(p -> p.toString().endsWith(".parquet")).sorted().findFirst()
          .orElseThrow(() -> new java.io.IOException("no .parquet file under " + dir));
    }
  }
}
