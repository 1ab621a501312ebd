package io.homi.runtime.gpu.decode;

import io.homi.runtime.HomiConfig;
import io.homi.runtime.HomiRuntime;
import io.homi.runtime.parquet.ParquetBatchReader;
import io.homi.runtime.parquet.ParquetFileReader;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.apache.arrow.vector.FieldVector;

/**
 * Checks GPU-decoded columns, copied back to Arrow host vectors, against the CPU decoder (the
 * reference) on the same file, row by row: null or not, then the value.
 */
public final class CpuReference {
  private CpuReference() {}

  /** Mismatch descriptions (at most 10); empty when every row of every column agrees. */
  public static List<String> compare(Path file, List<FieldVector> gpu) throws IOException {
    return compare(file, gpu, null);
  }

  /**
   * As {@link #compare(Path, List)} for the named columns only ({@code null} = all, in file order).
   */
  public static List<String> compare(Path file, List<FieldVector> gpu, List<String> names)
      throws IOException {
    List<String> bad = new java.util.ArrayList<>();
    HomiRuntime rt = HomiRuntime.get();
    try (ParquetFileReader f = ParquetFileReader.open(rt, file, HomiConfig.defaults())) {
      int[] groups = java.util.stream.IntStream.range(0, f.rowGroupCount()).toArray();
      List<io.homi.runtime.parquet.ColumnDescriptor> cols =
          names == null
              ? f.schema().columns()
              : f.schema().columns().stream().filter(c -> names.contains(c.name())).toList();
      try (ParquetBatchReader r =
          new ParquetBatchReader(f, groups, cols, rt.allocator(), 64 * 1024)) {
        if (gpu.size() != cols.size()) {
          bad.add(file + ": GPU gave " + gpu.size() + " columns, the reference has " + cols.size());
          return bad;
        }
        long row = 0;
        int n;
        while ((n = r.next()) > 0) {
          for (int c = 0; c < gpu.size(); c++) {
            FieldVector cpu = r.vectors().get(c);
            FieldVector g = gpu.get(c);
            for (int i = 0; i < n && bad.size() < 10; i++) {
              long at = row + i;
              if (at >= g.getValueCount()) {
                bad.add(
                    file
                        + " column "
                        + g.getName()
                        + ": GPU has only "
                        + g.getValueCount()
                        + " rows");
                return bad;
              }
              Object a = cpu.getObject(i);
              Object b = g.getObject((int) at);
              boolean same =
                  a instanceof byte[] x && b instanceof byte[] y
                      ? Arrays.equals(x, y)
                      : Objects.equals(a, b);
              if (!same)
                bad.add(
                    file.getFileName()
                        + " column "
                        + g.getName()
                        + " row "
                        + at
                        + ": CPU "
                        + a
                        + ", GPU "
                        + b);
            }
          }
          row += n;
        }
        for (FieldVector g : gpu) {
          if (g.getValueCount() != row)
            bad.add(
                file.getFileName()
                    + " column "
                    + g.getName()
                    + ": GPU "
                    + g.getValueCount()
                    + " rows, CPU "
                    + row);
        }
      }
    }
    return bad;
  }
}
