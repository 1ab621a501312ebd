package io.homi.examples;

import io.homi.runtime.HomiConfig;
import io.homi.runtime.HomiRuntime;
import io.homi.runtime.gpu.GpuProbe;
import io.homi.runtime.gpu.decode.DeviceColumn;
import io.homi.runtime.gpu.decode.GpuRowGroups;
import io.homi.runtime.gpu.decode.LazyHostColumn;
import io.homi.runtime.parquet.ColumnDescriptor;
import io.homi.runtime.parquet.ParquetBatchReader;
import io.homi.runtime.parquet.ParquetFileReader;
import io.homi.runtime.parquet.UnsupportedParquetException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.FieldVector;

/**
 * Reads a Parquet file into decoded Arrow columns in GPU memory, one device batch per row group,
 * with the runtime's GPU decoder ({@link GpuRowGroups}: the class the Spark reader uses for {@code
 * homi.output=gpu}): the column chunks are read into pinned staging and copied to the GPU, CUDA
 * kernels decode the pages into Arrow device buffers (validity, offsets, values). For each column
 * it prints the device buffers' sizes and the first values copied back to the host, and checks
 * every row against the CPU decoder on the same row group. Without a usable GPU (or without the
 * kernels) it prints why and exits 0, so it is safe to run anywhere.
 *
 * <p>Usage: GpuColumns [parquet file or directory] [columns, comma separated] (defaults: writes
 * 1,000,000 trips under target/homi-examples/trips_gpu; every column)
 */
public final class GpuColumns {
  private static final int SHOWN = 3;

  private GpuColumns() {}

  public static void main(String[] args) throws Exception {
    int rc = run(args, System.out);
    if (rc != 0) System.exit(rc);
  }

  /**
   * Runs the example, printing to {@code out}: 0 when done or skipped, 1 when a GPU column differs
   * from the CPU decode.
   */
  static int run(String[] args, PrintStream out) throws Exception {
    String unavailable = HomiRuntime.get().gpuUnavailable();
    if (unavailable != null) {
      out.println("GPU columns: skipped: " + unavailable);
      out.println("(bin/homi doctor shows every path and why; the CPU examples run anywhere)");
      return 0;
    }
    GpuProbe.Result g = GpuProbe.probe();
    Path file =
        args.length > 0
            ? Path.of(args[0])
            : generate(Path.of("target/homi-examples/trips_gpu").toAbsolutePath());
    if (Files.isDirectory(file)) file = firstParquet(file);
    List<String> names = args.length > 1 ? Arrays.asList(args[1].split(",")) : null;
    out.printf(
        "GPU      %s (%s), CC %s, %.1f GiB, driver %s%n",
        g.deviceName(),
        g.pciAddress(),
        g.computeCapability(),
        g.totalBytes() / 1073741824.0,
        g.driverLabel());
    return decodeAndCheck(file, names, out);
  }

  private static int decodeAndCheck(Path path, List<String> names, PrintStream out)
      throws Exception {
    HomiRuntime rt = HomiRuntime.get();
    GpuRowGroups gpu = rt.gpuRowGroups();
    int bad = 0;
    long rows = 0;
    long deviceBytes = 0;
    try (BufferAllocator alloc =
            rt.allocator().newChildAllocator("gpu-columns", 0, Long.MAX_VALUE);
        ParquetFileReader file = ParquetFileReader.open(rt, path, HomiConfig.defaults())) {
      List<ColumnDescriptor> cols = decodable(file, names, out);
      out.printf(
          "file     %s, %d row groups, %,d bytes; columns decoded on the GPU: %s%n",
          path,
          file.rowGroupCount(),
          Files.size(path),
          cols.stream().map(ColumnDescriptor::name).toList());
      if (cols.isEmpty()) {
        out.println("none of the chosen columns can be decoded on the GPU");
        return 1;
      }
      for (int rg = 0; rg < file.rowGroupCount(); rg++) {
        String why = GpuRowGroups.refusal(file.metadata(), cols, rg);
        GpuRowGroups.Batch batch = null;
        if (why == null) {
          try {
            batch =
                gpu.decode(
                    path,
                    file.metadata(),
                    cols,
                    rg,
                    null,
                    HomiConfig.defaults().coalesceGapBytes(),
                    alloc);
          } catch (UnsupportedParquetException e) {
            why = e.getMessage();
          }
        }
        if (batch == null) {
          out.printf("%nrow group %d: not decoded on the GPU: %s%n", rg, why);
          continue;
        }
        try (GpuRowGroups.Batch b = batch) {
          out.printf(
              "%nrow group %d: %,d rows, chunks read in %.1f ms, decoded on the GPU in %.1f ms%n",
              rg, b.rows(), b.ioNanos() / 1e6, b.decodeNanos() / 1e6);
          out.printf(
              "  %-12s %-7s %8s  %-52s %-6s %s%n",
              "column",
              "kind",
              "nulls",
              "device buffers (bytes)",
              "= CPU",
              "first values, copied back");
          Map<String, String> mismatches = compareWithCpu(file, rg, cols, b, alloc);
          for (LazyHostColumn c : b.columns()) {
            DeviceColumn d = c.device();
            String name = d.column().name();
            String equal = mismatches.get(name);
            if (equal != null) bad++;
            deviceBytes += d.arrowBytes();
            out.printf(
                "  %-12s %-7s %8d  %-52s %-6s %s%n",
                name,
                d.column().kind(),
                d.nullCount(),
                buffers(d),
                equal == null ? "yes" : "NO",
                firstValues(c.host()));
            if (equal != null) out.println("    " + equal);
          }
          rows += b.rows();
        }
      }
    }
    out.printf(
        "%n%,d rows, %,d bytes of Arrow columns decoded in GPU memory; every value equal to the CPU decoder: %s%n",
        rows, deviceBytes, bad == 0 ? "yes" : "NO (" + bad + " columns differ)");
    return bad == 0 ? 0 : 1;
  }

  /**
   * The chosen columns (all when {@code names} is null) that the GPU decodes; the others are listed
   * with the reason.
   */
  private static List<ColumnDescriptor> decodable(
      ParquetFileReader file, List<String> names, PrintStream out) {
    List<ColumnDescriptor> chosen = new ArrayList<>();
    if (names == null) {
      chosen.addAll(file.schema().columns());
    } else {
      for (String n : names) {
        chosen.add(
            file.schema().columns().stream()
                .filter(c -> c.name().equals(n.trim()))
                .findFirst()
                .orElseThrow(
                    () -> new IllegalArgumentException("no column '" + n + "' in " + file.path())));
      }
    }
    List<ColumnDescriptor> onGpu = new ArrayList<>();
    for (ColumnDescriptor c : chosen) {
      String why =
          file.rowGroupCount() == 0 ? null : GpuRowGroups.refusal(file.metadata(), List.of(c), 0);
      if (why == null) onGpu.add(c);
      else out.printf("column   %s stays on the CPU: %s%n", c.name(), why);
    }
    return onGpu;
  }

  /**
   * "validity 125,000, offsets 4,000,004, data 9,876,543" (bytes of each Arrow buffer in GPU
   * memory).
   */
  private static String buffers(DeviceColumn d) {
    long[] b = d.bufferBytes();
    return b.length == 3
        ? String.format("validity %,d, offsets %,d, data %,d", b[0], b[1], b[2])
        : String.format("validity %,d, values %,d", b[0], b[1]);
  }

  private static String firstValues(FieldVector v) {
    List<String> s = new ArrayList<>();
    for (int i = 0; i < Math.min(SHOWN, v.getValueCount()); i++) {
      Object o = v.getObject(i);
      s.add(
          o instanceof byte[] bytes
              ? "0x" + HexFormat.of().formatHex(bytes, 0, Math.min(bytes.length, 8))
              : String.valueOf(o));
    }
    return String.join(", ", s);
  }

  /**
   * Per column, the first difference between the GPU's columns (copied back) and the CPU decoder on
   * the same row group and columns; a column that agrees row for row is absent.
   */
  private static Map<String, String> compareWithCpu(
      ParquetFileReader file,
      int rg,
      List<ColumnDescriptor> cols,
      GpuRowGroups.Batch gpu,
      BufferAllocator alloc)
      throws Exception {
    Map<String, String> bad = new LinkedHashMap<>();
    try (ParquetBatchReader r =
        new ParquetBatchReader(file, new int[] {rg}, cols, alloc, 64 * 1024)) {
      long row = 0;
      int n;
      while ((n = r.next()) > 0) {
        for (int c = 0; c < cols.size(); c++) {
          String name = cols.get(c).name();
          FieldVector cpu = r.vectors().get(c);
          FieldVector g = gpu.columns().get(c).host();
          for (int i = 0; i < n && !bad.containsKey(name); i++) {
            long at = row + i;
            if (at >= g.getValueCount()) {
              bad.put(
                  name, "the GPU column has " + g.getValueCount() + " rows, the CPU decoder more");
              break;
            }
            Object a = cpu.getObject(i);
            Object b = g.getObject((int) at);
            boolean same =
                a instanceof byte[] x && b instanceof byte[] y
                    ? Arrays.equals(x, y)
                    : Objects.equals(a, b);
            if (!same) bad.put(name, "row " + at + ": CPU " + a + ", GPU " + b);
          }
        }
        row += n;
      }
      for (int c = 0; c < cols.size(); c++) {
        long gpuRows = gpu.columns().get(c).host().getValueCount();
        if (gpuRows != row)
          bad.putIfAbsent(cols.get(c).name(), "GPU " + gpuRows + " rows, CPU " + row);
      }
    }
    return bad;
  }

  private static Path generate(Path dir) throws Exception {
    var spark = Examples.spark("homi-example-gpu");
    try {
      Examples.trips(spark, 1_000_000L)
          .coalesce(1)
          .write()
          .mode("overwrite")
          .parquet(dir.toString());
    } finally {
      spark.stop();
    }
    return firstParquet(dir);
  }

  private static Path firstParquet(Path dir) throws java.io.IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(p -> p.toString().endsWith(".parquet"))
          .sorted()
          .findFirst()
          .orElseThrow(() -> new java.io.IOException("no .parquet file under " + dir));
    }
  }
}
