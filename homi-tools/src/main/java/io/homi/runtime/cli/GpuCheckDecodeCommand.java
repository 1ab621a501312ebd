package io.homi.runtime.cli;

import io.homi.runtime.HomiRuntime;
import io.homi.runtime.gpu.GpuDevice;
import io.homi.runtime.gpu.GpuProbe;
import io.homi.runtime.gpu.decode.CpuReference;
import io.homi.runtime.gpu.decode.DeviceBatch;
import io.homi.runtime.gpu.decode.GpuParquetReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.arrow.vector.FieldVector;

/**
 * {@code homi gpucheck-decode DIR [--reps 3] [--threads 16] [--skip-perf] [--skip-check]
 * [--skip-e2e]}: the device check of GPU Parquet decoding over the files
 * native/scripts/gen_lineitem.py wrote into DIR. (1) every DIR/check file decoded on the GPU,
 * copied back, equals the CPU decoder (GZIP files against their snappy twin; SNAPPY files also
 * through the host-decompression route; a file with a column the kernels refuse is checked column
 * by column, the refused ones named); (2) decode GB/s per type and encoding (DIR/types, data
 * already in GPU memory); (3) file -> Arrow columns in GPU memory for DIR/lineitem_*.parquet, warm
 * (page cache) and cold (drop_caches, O_DIRECT), next to raw O_DIRECT disk bandwidth and the
 * pyarrow + cupy baseline of DIR/baseline.tsv measured in the same run. {@code --anchor}: homi next
 * to libcudf's reader on the same files ({@link GpuDecodeAnchor}).
 */
public final class GpuCheckDecodeCommand {
  /** The coalescing gap of the whole-file reads: the scan option's default. */
  private static final long GAP = io.homi.runtime.HomiConfig.defaults().coalesceGapBytes();

  private GpuCheckDecodeCommand() {}

  public static int run(String[] args) throws Exception {
    if (java.util.Arrays.asList(args).contains("--anchor")) return GpuDecodeAnchor.run(args);
    if (args.length == 0) {
      System.err.println(
          "usage: homi gpucheck-decode DIR [--reps 3] [--threads 16] [--skip-perf] [--skip-check] [--skip-e2e]"
              + " | DIR... --row-groups\n       "
              + GpuDecodeAnchor.USAGE);
      return 2;
    }
    if (java.util.Arrays.asList(args).contains("--row-groups")) return RowGroupCheck.run(args);
    Path dir = Path.of(args[0]);
    int reps = 3;
    int threads = 16;
    boolean perf = true;
    boolean check = true;
    boolean e2e = true;
    for (int i = 1; i < args.length; i++) {
      switch (args[i]) {
        case "--reps" -> reps = Integer.parseInt(args[++i]);
        case "--threads" -> threads = Integer.parseInt(args[++i]);
        case "--skip-perf" -> perf = false;
        case "--skip-check" -> check = false;
        case "--skip-e2e" -> e2e = false;
        default -> {
          System.err.println("unknown option " + args[i]);
          return 2;
        }
      }
    }
    GpuProbe.Result probe = GpuProbe.probe();
    if (!probe.usable()) {
      System.err.println("gpucheck-decode: no usable GPU: " + probe.reason());
      return 1;
    }
    System.out.println(
        "GPU "
            + probe.deviceName()
            + " (cc "
            + probe.computeCapability()
            + ", driver "
            + probe.driverLabel()
            + "), "
            + Runtime.getRuntime().availableProcessors()
            + " cores, "
            + threads
            + " read threads");
    List<String> table = new ArrayList<>();
    int failures;
    GpuDevice gpu = HomiRuntime.get().gpuDevice(GpuProbe.defaultOrdinal()); // the runtime's
    gpu.bind(); // current on this thread
    try (GpuParquetReader reader = new GpuParquetReader(gpu, threads)) {
      failures = check ? correctness(reader, dir.resolve("check"), table) : 0;
      if (perf) {
        types(reader, dir.resolve("types"), reps, table);
        if (e2e) endToEnd(reader, dir, reps, table);
      }
    }
    System.out.println();
    table.forEach(System.out::println);
    return failures == 0 ? 0 : 1;
  }

  private static List<Path> files(Path d) throws IOException {
    try (Stream<Path> s = Files.list(d)) {
      return s.filter(p -> p.toString().endsWith(".parquet")).sorted().toList();
    }
  }

  /** Totals of the correctness pass. */
  private static final class Tally {
    int decodes, bad, hostInflated, gpuSnappy, gpuZstd, delta, unsupported, skippedColumns;
    long rows, columns;
    final Map<String, Integer> byCodec = new java.util.TreeMap<>();
  }

  private static int correctness(GpuParquetReader reader, Path dir, List<String> table)
      throws IOException {
    Tally t = new Tally();
    for (Path f : files(dir)) {
      if (f.getFileName().toString().contains("_snappytwin_")) continue;
      Path twin = f.resolveSibling(f.getFileName().toString().replace("_gzip_", "_snappytwin_"));
      Path ref =
          Files.exists(twin)
              ? twin
              : f; // the CPU decoder reads GZIP itself now; old check sets had twins
      boolean snappy = f.getFileName().toString().contains("_snappy_");
      for (boolean host : snappy ? new boolean[] {false, true} : new boolean[] {false}) {
        try {
          checkOne(reader, f, ref, host, null, t);
        } catch (io.homi.runtime.parquet.UnsupportedParquetException e) {
          // a file with a column the kernels refuse (e.g. DELTA_BYTE_ARRAY): check its other
          // columns one by one
          int before = t.decodes;
          List<String> names;
          try {
            names = columnNames(f);
          } catch (io.homi.runtime.parquet.UnsupportedParquetException se) {
            names =
                List.of(); // the schema itself is refused (e.g. FLOAT16): the CPU decoder refuses
            // it too
          }
          if (names.isEmpty())
            System.out.println("skipped " + f.getFileName() + ": " + e.getMessage());
          for (String col : names) {
            try {
              checkOne(reader, f, ref, host, List.of(col), t);
            } catch (io.homi.runtime.parquet.UnsupportedParquetException ce) {
              System.out.println(
                  "skipped column " + f.getFileName() + "/" + col + ": " + ce.getMessage());
              t.skippedColumns++;
            }
          }
          if (t.decodes == before) t.unsupported++;
        }
      }
    }
    String line =
        String.format(
            "correctness: %d decodes of %d-file set, %d columns, %d rows: %s (GPU snappy pages %d, "
                + "GPU zstd pages %d, CPU-decompressed pages %d %s, DELTA_BINARY_PACKED pages %d; %d unsupported files skipped, %d columns skipped "
                + "in partly supported files)",
            t.decodes,
            files(dir).size(),
            t.columns,
            t.rows,
            t.bad == 0 ? "all equal to the CPU decoder" : t.bad + " MISMATCHED",
            t.gpuSnappy,
            t.gpuZstd,
            t.hostInflated,
            t.byCodec,
            t.delta,
            t.unsupported,
            t.skippedColumns);
    System.out.println(line);
    table.add(line);
    for (String l :
        DeltaCorruptionCheck.run(reader, dir, Files.createTempDirectory("homi-corrupt"))) {
      System.out.println(l);
      table.add(l);
      if (l.startsWith("FAIL")) t.bad++;
    }
    return t.bad;
  }

  /**
   * Decodes {@code f} (the named columns, or all) on the GPU and compares with the CPU decoder on
   * {@code ref}.
   */
  private static void checkOne(
      GpuParquetReader reader, Path f, Path ref, boolean host, List<String> cols, Tally t)
      throws IOException {
    List<String> mism;
    String what =
        f.getFileName() + (cols == null ? "" : "/" + cols.get(0)) + (host ? " (host snappy)" : "");
    try (DeviceBatch b = reader.read(f, cols, false, host, GAP).batch()) {
      t.hostInflated += b.metrics().hostInflatedPages();
      t.gpuSnappy += b.metrics().gpuSnappyPages();
      t.gpuZstd += b.metrics().gpuZstdPages();
      t.delta += b.metrics().deltaPages();
      b.metrics()
          .hostInflatedByCodec()
          .forEach((c, n) -> t.byCodec.merge(c.name(), n, Integer::sum));
      List<FieldVector> v = b.toVectors(HomiRuntime.get().allocator());
      try {
        mism = CpuReference.compare(ref, v, cols);
        t.rows += v.isEmpty() ? 0 : v.get(0).getValueCount();
        t.columns += v.size();
      } finally {
        v.forEach(FieldVector::close);
      }
    } catch (io.homi.runtime.parquet.UnsupportedParquetException e) {
      throw e;
    } catch (RuntimeException | IOException e) {
      mism = List.of(what + ": " + e);
    }
    t.decodes++;
    if (!mism.isEmpty()) {
      t.bad++;
      System.out.println("MISMATCH " + what + ": " + String.join("; ", mism));
    }
  }

  private static List<String> columnNames(Path f) throws IOException {
    org.apache.parquet.format.FileMetaData md = GpuParquetReader.footer(f);
    return io.homi.runtime.parquet.ParquetSchema.of(md, f.toString()).columns().stream()
        .map(io.homi.runtime.parquet.ColumnDescriptor::name)
        .toList();
  }

  private static void types(GpuParquetReader reader, Path dir, int reps, List<String> table)
      throws IOException {
    table.add("");
    table.add(
        "| file (10% nulls) | rows | stored MB | Arrow MB | GPU decode ms | Arrow GB/s | stored GB/s | page table ms "
            + "(host decompression inside) | pages: GPU snappy / GPU zstd / host-decompressed / delta |");
    table.add("|---|---|---|---|---|---|---|---|---|");
    for (Path f : files(dir)) {
      long best = Long.MAX_VALUE;
      long bestTable = Long.MAX_VALUE;
      long rows = 0, arrow = 0, stored = 0;
      String routes = "";
      for (int r = 0; r <= reps; r++) {
        GpuParquetReader.Result res = reader.read(f, null, false, false, GAP);
        try (DeviceBatch b = res.batch()) {
          if (r > 0) best = Math.min(best, res.decodeNanos()); // rep 0 warms up
          if (r > 0) bestTable = Math.min(bestTable, res.pageTableNanos());
          rows = b.rows();
          arrow = b.arrowBytes();
          stored = res.storedBytes();
          routes =
              b.metrics().gpuSnappyPages()
                  + " / "
                  + b.metrics().gpuZstdPages()
                  + " / "
                  + b.metrics().hostInflatedPages()
                  + (b.metrics().hostInflatedByCodec().isEmpty()
                      ? ""
                      : " " + b.metrics().hostInflatedByCodec().keySet())
                  + " / "
                  + b.metrics().deltaPages();
        }
      }
      String name = f.getFileName().toString().replace(".parquet", "");
      table.add(
          String.format(
              "| %s | %d | %.1f | %.1f | %.2f | %.1f | %.1f | %.2f | %s |",
              name,
              rows,
              stored / 1e6,
              arrow / 1e6,
              best / 1e6,
              arrow / (double) best,
              stored / (double) best,
              bestTable / 1e6,
              routes));
    }
  }

  private static void endToEnd(GpuParquetReader reader, Path dir, int reps, List<String> table)
      throws Exception {
    Map<String, double[]> base = new HashMap<>();
    Path tsv = dir.resolve("baseline.tsv");
    if (Files.exists(tsv)) {
      for (String l : Files.readAllLines(tsv)) {
        String[] p = l.split("\t");
        base.put(p[0] + "/" + p[1], new double[] {Double.parseDouble(p[2])});
      }
    }
    table.add("");
    table.add(
        "| file | size GB | mode | HOMI s (read+H2D / page table / decode) | HOMI GB/s | raw disk GB/s | "
            + "% of disk | pyarrow+cupy s | speedup |");
    table.add("|---|---|---|---|---|---|---|---|---|");
    for (String name : List.of("lineitem_snappy", "lineitem_none")) {
      Path f = dir.resolve(name + ".parquet");
      if (!Files.exists(f)) continue;
      long size = Files.size(f);
      double disk = rawDisk(reader, f);
      for (String mode : List.of("warm", "cold")) {
        boolean cold = mode.equals("cold");
        GpuParquetReader.Result best = null;
        for (int r = 0; r <= reps; r++) {
          if (cold) dropCaches();
          GpuParquetReader.Result res = reader.read(f, null, cold, false, GAP);
          res.batch().close();
          if (r > 0 && (best == null || res.totalNanos() < best.totalNanos())) best = res;
        }
        double s = best.totalNanos() / 1e9;
        double[] b = base.get(name + "/" + mode);
        table.add(
            String.format(
                "| %s | %.2f | %s | %.3f (%.3f / %.3f / %.3f) | %.2f | %s | %s | %s | %s |",
                name,
                size / 1e9,
                mode,
                s,
                best.ioNanos() / 1e9,
                best.pageTableNanos() / 1e9,
                best.decodeNanos() / 1e9,
                size / 1e9 / s,
                cold ? String.format("%.2f", disk) : "-",
                cold ? String.format("%.0f%%", 100 * (size / 1e9 / s) / disk) : "-",
                b == null ? "-" : String.format("%.3f", b[0]),
                b == null ? "-" : String.format("%.2fx", b[0] / s)));
      }
    }
  }

  /**
   * O_DIRECT read of the whole file into pinned memory by the same threads, caches dropped: GB/s.
   */
  private static double rawDisk(GpuParquetReader reader, Path f) throws Exception {
    reader.reserve(Files.size(f)); // allocating a GiB of pinned memory is not disk time
    dropCaches();
    long t0 = System.nanoTime();
    long n = reader.rawRead(f);
    return n / 1e9 / ((System.nanoTime() - t0) / 1e9);
  }

  private static void dropCaches() throws IOException {
    new ProcessBuilder("sync").inheritIO().start().onExit().join();
    Files.writeString(Path.of("/proc/sys/vm/drop_caches"), "3\n");
  }
}
