package io.homi.runtime.cli;

import io.homi.runtime.HomiConfig;
import io.homi.runtime.HomiRuntime;
import io.homi.runtime.gpu.GpuProbe;
import io.homi.runtime.gpu.decode.GpuRowGroups;
import io.homi.runtime.gpu.decode.LazyHostColumn;
import io.homi.runtime.gpu.decode.MediatorSource;
import io.homi.runtime.parquet.ColumnDescriptor;
import io.homi.runtime.parquet.ParquetBatchReader;
import io.homi.runtime.parquet.ParquetFileReader;
import io.homi.runtime.parquet.UnsupportedParquetException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.FieldVector;

/**
 * {@code homi gpucheck-decode DIR... --row-groups}: what the Spark reader does with {@code
 * homi.output=gpu}, without Spark. Every Parquet file under the DIRs (Spark's partitioned output
 * included), every row group, decoded by {@link GpuRowGroups} (the class the Spark reader uses)
 * twice: all columns (as {@code SELECT *}: a refused column sends the row group to the CPU, counted
 * with its reason) and the columns the kernels decode (a pruned projection). Each decoded column
 * must not be on the host before it is read; {@link LazyHostColumn#host()} copies it, and it must
 * equal the CPU decoder on the same row group, row by row.
 */
final class RowGroupCheck {
  private RowGroupCheck() {}

  static int run(String[] args) throws IOException {
    List<Path> files = new ArrayList<>();
    for (String a : args) {
      if (a.startsWith("--")) continue;
      try (Stream<Path> s = Files.walk(Path.of(a))) {
        s.filter(
                p ->
                    p.toString().endsWith(".parquet")
                        && !p.getFileName().toString().startsWith("."))
            .sorted()
            .forEach(files::add);
      }
    }
    GpuProbe.Result probe = GpuProbe.probe();
    if (!probe.usable()) {
      System.err.println("gpucheck-decode --row-groups: no usable GPU: " + probe.reason());
      return 1;
    }
    HomiRuntime rt = HomiRuntime.get();
    BufferAllocator alloc = rt.allocator().newChildAllocator("row-group-check", 0, Long.MAX_VALUE);
    GpuRowGroups gpu = rt.gpuRowGroups();
    boolean mediated = Arrays.asList(args).contains("--mediator");
    io.homi.runtime.mediator.PathStats.Snapshot bytes = null;
    String how = "pread into pinned staging";
    long gpuGroups = 0, refusedGroups = 0, columns = 0, rows = 0, cells = 0, earlyCopies = 0;
    int bad = 0;
    TreeMap<String, Integer> reasons = new TreeMap<>();
    for (Path f : files) {
      try (ParquetFileReader file = ParquetFileReader.open(rt, f, HomiConfig.defaults())) {
        MediatorSource source = mediated ? MediatorSource.of(file) : null;
        if (source != null) how = "mediator GPU path (" + source.describe() + ")";
        List<ColumnDescriptor> all = file.schema().columns();
        List<ColumnDescriptor> decodable = new ArrayList<>();
        for (ColumnDescriptor c : all) {
          if (GpuRowGroups.refusal(file.metadata(), List.of(c), 0) == null
              || file.rowGroupCount() == 0) decodable.add(c);
        }
        for (int rg = 0; rg < file.rowGroupCount(); rg++) {
          for (List<ColumnDescriptor> cols :
              decodable.size() == all.size() ? List.of(all) : List.of(all, decodable)) {
            if (cols.isEmpty()) continue;
            String why = GpuRowGroups.refusal(file.metadata(), cols, rg);
            GpuRowGroups.Batch b = null;
            if (why == null) {
              try {
                b =
                    gpu.decode(
                        f,
                        file.metadata(),
                        cols,
                        rg,
                        source,
                        HomiConfig.defaults().coalesceGapBytes(),
                        alloc);
              } catch (UnsupportedParquetException e) {
                why = e.getMessage();
              }
            }
            if (b == null) {
              refusedGroups++;
              reasons.merge(why.replaceAll("'[^']*'", "'c'"), 1, Integer::sum);
              continue;
            }
            try (GpuRowGroups.Batch batch = b) {
              for (LazyHostColumn c : batch.columns()) if (c.copied()) earlyCopies++;
              List<String> mism = compare(file, rg, cols, batch, alloc);
              gpuGroups++;
              columns += cols.size();
              rows += batch.rows();
              cells += (long) batch.rows() * cols.size();
              if (!mism.isEmpty()) {
                bad++;
                System.out.println(
                    "MISMATCH " + f + " row group " + rg + ": " + String.join("; ", mism));
              }
            }
          }
        }
        if (source != null) bytes = bytes == null ? source.stats() : bytes.plus(source.stats());
      } catch (RuntimeException | IOException e) {
        bad++;
        System.out.println("FAILED " + f + ": " + e);
      }
    }
    alloc.close();
    System.out.println(
        String.format(
            "row-group check (GpuRowGroups + LazyHostColumn, as homi.output=gpu): %d files, %d row "
                + "group decodes on the GPU (%d columns, %d rows, %d cells) %s; copied to host before first read: %d; %d row group "
                + "decodes refused -> CPU decoder %s",
            files.size(),
            gpuGroups,
            columns,
            rows,
            cells,
            bad == 0 ? "all equal to the CPU decoder" : bad + " MISMATCHED/FAILED",
            earlyCopies,
            refusedGroups,
            reasons));
    StringBuilder paths = new StringBuilder("chunk bytes read by " + how);
    if (bytes != null) {
      paths.append(", by path:");
      for (io.homi.runtime.mediator.PathKind k : io.homi.runtime.mediator.PathKind.values()) {
        if (bytes.bytes(k) > 0)
          paths.append(' ').append(k.label()).append('=').append(bytes.bytes(k));
      }
      paths
          .append(", ")
          .append(bytes.totalCommands())
          .append(" commands, ")
          .append(bytes.refused())
          .append(" refused");
    }
    System.out.println(paths);
    boolean pathOk =
        bytes == null
            || (bytes.bytes(io.homi.runtime.mediator.PathKind.GPU) > 0
                && bytes.totalBytes() == bytes.bytes(io.homi.runtime.mediator.PathKind.GPU));
    return bad == 0 && earlyCopies == 0 && gpuGroups > 0 && pathOk ? 0 : 1;
  }

  private static List<String> compare(
      ParquetFileReader file,
      int rg,
      List<ColumnDescriptor> cols,
      GpuRowGroups.Batch batch,
      BufferAllocator alloc)
      throws IOException {
    List<String> bad = new ArrayList<>();
    try (ParquetBatchReader r =
        new ParquetBatchReader(file, new int[] {rg}, cols, alloc, 64 * 1024)) {
      long row = 0;
      int n;
      while ((n = r.next()) > 0) {
        for (int c = 0; c < cols.size(); c++) {
          FieldVector cpu = r.vectors().get(c);
          FieldVector g = batch.columns().get(c).host();
          for (int i = 0; i < n && bad.size() < 10; i++) {
            long at = row + i;
            if (at >= g.getValueCount()) {
              bad.add("column " + g.getName() + ": GPU has only " + g.getValueCount() + " rows");
              return bad;
            }
            Object a = cpu.getObject(i);
            Object b = g.getObject((int) at);
            boolean same =
                a instanceof byte[] x && b instanceof byte[] y
                    ? Arrays.equals(x, y)
                    : Objects.equals(a, b);
            if (!same)
              bad.add("column " + g.getName() + " row " + at + ": CPU " + a + ", GPU " + b);
          }
        }
        row += n;
      }
      if (row != batch.rows()) bad.add("GPU " + batch.rows() + " rows, CPU " + row);
    }
    return bad;
  }
}
