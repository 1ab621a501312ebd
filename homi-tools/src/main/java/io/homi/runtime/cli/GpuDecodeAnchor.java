package io.homi.runtime.cli;

import io.homi.runtime.HomiRuntime;
import io.homi.runtime.gpu.GpuDevice;
import io.homi.runtime.gpu.GpuProbe;
import io.homi.runtime.gpu.decode.Checksum;
import io.homi.runtime.gpu.decode.CudfReader;
import io.homi.runtime.gpu.decode.DeviceBatch;
import io.homi.runtime.gpu.decode.GpuParquetReader;
import io.homi.runtime.os.Libc;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.FieldVector;

/**
 * {@code homi gpucheck-decode --anchor [--per-file P]... [--e2e P]... [--reps 5] [--cold-reps 3]
 * [--threads 16] [--chunk-mib 1024] [--cudf-jar JAR] [--no-checksum]}: homi's GPU decoder next to
 * libcudf's Parquet reader (cuDF Java, {@link CudfReader}) on the same files, the same GPU, in the
 * same JVM. Each file: file on disk -> every column in GPU memory, for homi {@code
 * GpuParquetReader.read} (its threads' reads, page table, kernels; returns after the streams
 * synchronized) and for cuDF {@code Table.readParquet(options, File)} (synchronous) and {@code
 * ParquetChunkedReader} (chunks of {@code --chunk-mib}, as the RAPIDS Accelerator reads); warm: one
 * untimed warm-up, then {@code --reps} alternating reps, medians; cold: page cache evicted (fadvise
 * DONTNEED per file, then drop_caches where root) before each of {@code --cold-reps} alternating
 * reps, homi reading with O_DIRECT as in its own cold figure, cuDF through its own I/O (KvikIO:
 * threads from $KVIKIO_NTHREADS). GB/s are of file bytes. Then, untimed, one read each copied to
 * host: row counts (a difference fails the command) and per column the null count and a {@link
 * Checksum} (differences are named in the table). {@code --per-file}: a row per .parquet file of a
 * directory (or the file); {@code --e2e}: one row for all of them, read one after the other by
 * both. Without a GPU it stops at the first CUDA call, having resolved every cuDF handle (what a
 * run here proves).
 */
final class GpuDecodeAnchor {
  private static final long GAP = io.homi.runtime.HomiConfig.defaults().coalesceGapBytes();

  private GpuDecodeAnchor() {}

  static final String USAGE =
      "homi gpucheck-decode --anchor [--per-file DIR|FILE]... [--e2e DIR|FILE]... [--reps 5]"
          + " [--cold-reps 3] [--threads 16] [--chunk-mib 1024] [--cudf-jar JAR] [--no-checksum]";

  /** One set of files and its figures. */
  static final class Row {
    final String name;
    final List<Path> files;
    long bytes;
    long homiRows = -1, cudfRows = -1;
    double homiWarm = Double.NaN,
        cudfWarm = Double.NaN,
        chunkedWarm = Double.NaN,
        homiCold = Double.NaN,
        cudfCold = Double.NaN;
    String homiError, cudfError, sums = "-";
    boolean rowsDiffer;

    Row(String name, List<Path> files) throws IOException {
      this.name = name;
      this.files = files;
      for (Path f : files) bytes += Files.size(f);
    }
  }

  static int run(String[] args) throws Exception {
    List<String> perFile = new ArrayList<>();
    List<String> e2e = new ArrayList<>();
    int reps = 5, coldReps = 3, threads = 16;
    long chunk = 1024L << 20;
    Path jar = null;
    boolean sums = true;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--anchor" -> {}
        case "--per-file" -> perFile.add(args[++i]);
        case "--e2e" -> e2e.add(args[++i]);
        case "--reps" -> reps = Integer.parseInt(args[++i]);
        case "--cold-reps" -> coldReps = Integer.parseInt(args[++i]);
        case "--threads" -> threads = Integer.parseInt(args[++i]);
        case "--chunk-mib" -> chunk = Long.parseLong(args[++i]) << 20;
        case "--cudf-jar" -> jar = Path.of(args[++i]);
        case "--no-checksum" -> sums = false;
        default -> {
          System.err.println("unknown option " + args[i] + "\nusage: " + USAGE);
          return 2;
        }
      }
    }
    List<Row> rows = new ArrayList<>();
    try {
      // end-to-end sets first: a run cut short by its time limit has printed those
      for (String p : e2e) {
        List<Path> fs = parquetFiles(Path.of(p));
        rows.add(
            new Row(
                Path.of(p).getFileName() + (fs.size() > 1 ? " (" + fs.size() + " files)" : ""),
                fs));
      }
      for (String p : perFile)
        for (Path f : parquetFiles(Path.of(p)))
          rows.add(new Row(f.getFileName().toString(), List.of(f)));
    } catch (IllegalArgumentException e) {
      System.err.println("gpucheck-decode --anchor: " + e.getMessage());
      return 2;
    }
    if (rows.isEmpty()) {
      System.err.println(
          "gpucheck-decode --anchor: no files (--per-file / --e2e)\nusage: " + USAGE);
      return 2;
    }
    CudfReader cudf;
    try {
      cudf = CudfReader.load(jar);
    } catch (IllegalStateException | IllegalArgumentException e) {
      System.err.println("gpucheck-decode --anchor: " + e.getMessage());
      return 1;
    }
    System.out.println(
        "cuDF handles: all resolved from " + cudf.origin() + ", cudf-java " + cudf.version());
    // the first CUDA call of cuDF: loads libcudf (extracted from the jar), sets RMM's async pool
    try {
      System.out.println(cudf.init(4L << 30));
    } catch (RuntimeException e) {
      System.err.println(
          "gpucheck-decode --anchor: cuDF's first CUDA call failed (no usable GPU?): " + e);
      return 1;
    }
    GpuProbe.Result probe = GpuProbe.probe();
    if (!probe.usable()) {
      System.err.println("gpucheck-decode --anchor: no usable GPU for homi: " + probe.reason());
      return 1;
    }
    String kvikio = System.getenv("KVIKIO_NTHREADS");
    String header =
        "GPU "
            + probe.deviceName()
            + " (cc "
            + probe.computeCapability()
            + ", driver "
            + probe.driverLabel()
            + "), "
            + Runtime.getRuntime().availableProcessors()
            + " cores; homi "
            + threads
            + " read threads; cuDF KVIKIO_NTHREADS="
            + (kvikio == null ? "unset (KvikIO's default)" : kvikio)
            + ", chunked reader "
            + (chunk >> 20)
            + " MiB chunks; warm "
            + reps
            + " reps, cold "
            + coldReps
            + " reps, medians, alternating";
    System.out.println(header);
    int failures = 0;
    GpuDevice gpu = HomiRuntime.get().gpuDevice(GpuProbe.defaultOrdinal()); // the runtime's
    gpu.bind(); // current on this thread
    try (GpuParquetReader reader = new GpuParquetReader(gpu, threads);
        BufferAllocator alloc = new RootAllocator(Long.MAX_VALUE)) {
      String evicted = "-";
      System.out.println(TABLE_HEAD);
      for (Row r : rows) {
        measure(r, reader, cudf, reps, false, chunk);
        if (coldReps > 0) evicted = measure(r, reader, cudf, coldReps, true, chunk);
        if (sums) {
          try {
            compare(r, reader, cudf, alloc);
          } catch (RuntimeException | IOException e) {
            r.sums = "check failed: " + firstLine(e);
          }
        }
        if (r.rowsDiffer) failures++;
        System.out.println(
            line(r)); // as it goes: a call that runs out of time still shows the rows done
      }
      System.out.println();
      System.out.println(header + "; cold = " + evicted);
      System.out.println(TABLE_HEAD);
      System.out.println(TABLE_RULE);
      for (Row r : rows) System.out.println(line(r));
    }
    System.out.println(
        failures == 0
            ? "rows: every file equal in both readers"
            : "rows: " + failures + " sets DIFFER");
    return failures == 0 ? 0 : 1;
  }

  static final String TABLE_HEAD =
      "| file | MB | rows | homi warm ms | cuDF warm ms | cuDF chunked ms | homi GB/s | cuDF GB/s |"
          + " homi/cuDF | homi cold ms | cuDF cold ms | homi cold GB/s | cuDF cold GB/s | cold homi/cuDF | columns equal |";
  static final String TABLE_RULE = "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|";

  static String line(Row r) {
    double gb = r.bytes / 1e9;
    String rowsCell =
        r.rowsDiffer
            ? "DIFFER homi " + r.homiRows + " cuDF " + r.cudfRows
            : r.homiRows >= 0 ? String.valueOf(r.homiRows) : "-";
    return String.format(
        "| %s | %.1f | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |",
        r.name,
        r.bytes / 1e6,
        rowsCell,
        r.homiError != null ? r.homiError : ms(r.homiWarm),
        r.cudfError != null ? r.cudfError : ms(r.cudfWarm),
        ms(r.chunkedWarm),
        gbs(gb, r.homiWarm),
        gbs(gb, r.cudfWarm),
        ratio(r.cudfWarm, r.homiWarm),
        ms(r.homiCold),
        ms(r.cudfCold),
        gbs(gb, r.homiCold),
        gbs(gb, r.cudfCold),
        ratio(r.cudfCold, r.homiCold),
        r.sums);
  }

  private static String ms(double s) {
    return Double.isNaN(s) ? "-" : String.format("%.2f", s * 1e3);
  }

  private static String gbs(double gb, double s) {
    return Double.isNaN(s) ? "-" : String.format("%.2f", gb / s);
  }

  /** homi's speed over cuDF's (> 1: homi faster) = cuDF's time over homi's. */
  private static String ratio(double cudfS, double homiS) {
    return Double.isNaN(cudfS) || Double.isNaN(homiS) ? "-" : String.format("%.2fx", cudfS / homiS);
  }

  static List<Path> parquetFiles(Path p) throws IOException {
    if (Files.isRegularFile(p)) return List.of(p);
    if (!Files.isDirectory(p))
      throw new IllegalArgumentException(p + " is neither a Parquet file nor a directory");
    try (Stream<Path> s = Files.list(p)) {
      List<Path> fs =
          s.filter(f -> f.getFileName().toString().endsWith(".parquet") && Files.isRegularFile(f))
              .sorted()
              .toList();
      if (fs.isEmpty()) throw new IllegalArgumentException("no .parquet files in " + p);
      return fs;
    }
  }

  /**
   * Times both readers over {@code r}'s files, alternating (homi first on even reps), and keeps the
   * medians; warm runs one untimed read of each first. Returns how the cache was evicted (cold).
   */
  private static String measure(
      Row r, GpuParquetReader reader, CudfReader cudf, int reps, boolean cold, long chunk)
      throws IOException {
    double[] homi = new double[reps], full = new double[reps], chunked = new double[reps];
    String evicted = "-";
    for (int rep = cold ? 0 : -1; rep < reps; rep++) {
      for (int k = 0; k < 2; k++) {
        boolean homiTurn = (k == 0) == (rep % 2 == 0);
        if (homiTurn) {
          if (r.homiError != null) continue;
          if (cold) evicted = evict(r.files);
          try {
            double s = homiRead(r, reader, cold);
            if (rep >= 0) homi[rep] = s;
          } catch (io.homi.runtime.parquet.UnsupportedParquetException e) {
            r.homiError = "refused: " + firstLine(e);
          } catch (RuntimeException
              | IOException e) { // a corrupt page, a CUDA error: this row only
            r.homiError = "error: " + firstLine(e);
          }
        } else {
          if (r.cudfError != null) continue;
          try {
            if (cold) evicted = evict(r.files);
            double s = cudfRead(r, cudf);
            if (rep >= 0) full[rep] = s;
            if (!cold) { // the chunked reader, warm only: the cold figure is the one-shot reader's
              long t0 = System.nanoTime();
              for (Path f : r.files) cudf.readChunked(f, chunk, 0);
              if (rep >= 0) chunked[rep] = (System.nanoTime() - t0) / 1e9;
            }
          } catch (RuntimeException e) {
            r.cudfError = "error: " + firstLine(e);
          }
        }
      }
    }
    if (cold) {
      if (r.homiError == null) r.homiCold = median(homi);
      if (r.cudfError == null) r.cudfCold = median(full);
    } else {
      if (r.homiError == null) r.homiWarm = median(homi);
      if (r.cudfError == null) {
        r.cudfWarm = median(full);
        r.chunkedWarm = median(chunked);
      }
    }
    return evicted;
  }

  private static String firstLine(Throwable e) {
    return e.getMessage() == null
        ? e.toString()
        : e.getMessage().lines().findFirst().orElse(e.toString());
  }

  private static double homiRead(Row r, GpuParquetReader reader, boolean direct)
      throws IOException {
    long t0 = System.nanoTime();
    List<DeviceBatch> out = new ArrayList<>();
    try {
      for (Path f : r.files) out.add(reader.read(f, null, direct, false, GAP).batch());
      return (System.nanoTime() - t0) / 1e9;
    } finally {
      out.forEach(DeviceBatch::close);
    }
  }

  private static double cudfRead(Row r, CudfReader cudf) {
    long t0 = System.nanoTime();
    List<CudfReader.Table> out = new ArrayList<>();
    try {
      for (Path f : r.files) out.add(cudf.read(f));
      return (System.nanoTime() - t0) / 1e9;
    } finally {
      out.forEach(CudfReader.Table::close);
    }
  }

  static double median(double[] a) {
    double[] s = a.clone();
    Arrays.sort(s);
    return s.length == 0
        ? Double.NaN
        : s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }

  /**
   * Page cache out for {@code files}: POSIX_FADV_DONTNEED on each, then drop_caches where
   * permitted.
   */
  static String evict(List<Path> files) throws IOException {
    new ProcessBuilder("sync").inheritIO().start().onExit().join();
    for (Path f : files) {
      int fd = Libc.open(f.toString(), Libc.O_RDONLY);
      try {
        Libc.posix_fadvise(fd, 0, 0, Libc.POSIX_FADV_DONTNEED);
      } finally {
        Libc.close(fd);
      }
    }
    try {
      Files.writeString(Path.of("/proc/sys/vm/drop_caches"), "3\n");
      return "fadvise(DONTNEED) + drop_caches";
    } catch (IOException | RuntimeException e) {
      return "fadvise(DONTNEED) only (drop_caches refused: not root)";
    }
  }

  /**
   * Untimed: each file read once more by both, copied to host; row counts, then per column the null
   * count and checksum. Fills {@code r.sums}: "all N" or the columns that differ.
   */
  private static void compare(
      Row r, GpuParquetReader reader, CudfReader cudf, BufferAllocator alloc) throws IOException {
    if (r.homiError != null || r.cudfError != null) {
      r.sums = "-";
      return;
    }
    long homiRows = 0, cudfRows = 0;
    int equal = 0, total = 0, uncompared = 0;
    List<String> diffs = new ArrayList<>();
    for (Path f : r.files) {
      List<Checksum.Column> h = new ArrayList<>();
      try (DeviceBatch b = reader.read(f, null, false, false, GAP).batch()) {
        homiRows += b.rows();
        List<FieldVector> vs = b.toVectors(alloc);
        try {
          for (FieldVector v : vs) h.add(Checksum.of(v));
        } finally {
          vs.forEach(FieldVector::close);
        }
      }
      List<Checksum.Column> c;
      try (CudfReader.Table t = cudf.read(f)) {
        cudfRows += t.rows();
        c = t.checksums();
      }
      if (h.size() != c.size()) {
        diffs.add(f.getFileName() + ": " + h.size() + " vs " + c.size() + " columns");
        continue;
      }
      for (int i = 0; i < h.size(); i++) {
        total++;
        Checksum.Column a = h.get(i), z = c.get(i);
        if (a.value() == null || z.value() == null) {
          uncompared++;
          if (a.nulls() != z.nulls())
            diffs.add("col " + i + " nulls " + a.nulls() + "/" + z.nulls());
          continue;
        }
        if (a.nulls() == z.nulls() && a.value().equals(z.value())) equal++;
        else if (diffs.size() < 4)
          diffs.add(
              "col "
                  + i
                  + " "
                  + a.type()
                  + "/"
                  + z.type()
                  + (a.nulls() != z.nulls() ? " nulls " + a.nulls() + "/" + z.nulls() : " values"));
        else if (diffs.size() == 4) diffs.add("...");
      }
    }
    r.homiRows = homiRows;
    r.cudfRows = cudfRows;
    r.rowsDiffer = homiRows != cudfRows;
    r.sums =
        (diffs.isEmpty()
                ? "all " + equal
                : equal + " of " + total + "; DIFF " + String.join(", ", diffs))
            + (uncompared > 0 ? " (" + uncompared + " not checksummed)" : "");
  }
}
