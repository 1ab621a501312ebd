package io.homi.runtime.parquet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.homi.runtime.HomiConfig;
import io.homi.runtime.HomiRuntime;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Row groups fetched ahead of decoding: the same values in the same order whatever the depth, never
 * more row groups outstanding than asked for, and a fault in a row group that was being fetched
 * ahead reported (file and row group) only when that row group is asked for.
 */
class RowGroupPipelineTest {
  private static final int ROWS = 150_000;
  @TempDir Path dir;

  @ParameterizedTest(name = "ahead={0}")
  @ValueSource(ints = {0, 1, 2, 3})
  void everyRowGroupInOrderWithinTheBound(int ahead) throws IOException {
    Path p = dir.resolve("t.parquet");
    TestParquetFiles.writeIds(p, ROWS);
    HomiRuntime rt = HomiRuntime.get();
    try (ParquetFileReader f = ParquetFileReader.open(rt, p, HomiConfig.defaults());
        BufferAllocator alloc =
            rt.allocator().newChildAllocator("pipeline-test", 0, Long.MAX_VALUE)) {
      assertThat(f.rowGroupCount())
          .as("row groups")
          .isGreaterThanOrEqualTo(5); // more than the deepest pipeline tested
      List<ColumnDescriptor> cols = List.of(f.schema().column("id"));
      int[] rgs = IntStream.range(0, f.rowGroupCount()).toArray();
      List<Long> seen = new ArrayList<>();
      try (RowGroupPipeline<RowGroupReader> pipe = RowGroupPipeline.of(f, cols, rgs, ahead)) {
        pipe.start(ahead);
        assertThat(pipe.pending()).isLessThanOrEqualTo(ahead);
        while (pipe.hasNext()) {
          try (RowGroupReader rg = pipe.next();
              BigIntVector v = new BigIntVector("id", alloc)) {
            // while this row group is decoded, at most `ahead` others are fetched or in flight
            assertThat(pipe.pending()).isLessThanOrEqualTo(ahead);
            int n = (int) rg.rows();
            v.allocateNew(n);
            rg.read(List.of(v), 0, n);
            v.setValueCount(n);
            for (int i = 0; i < n; i++) seen.add(v.get(i));
          }
        }
        assertThat(pipe.mostPending())
            .as("most row groups outstanding")
            .isEqualTo(Math.min(ahead, rgs.length - 1));
      }
      assertThat(seen).hasSize(ROWS);
      for (int i = 0; i < ROWS; i++) assertThat(seen.get(i)).isEqualTo((long) i * 7);
    }
  }

  @Test
  void aFaultInARowGroupFetchedAheadIsReportedWhenItsTurnComes() throws IOException {
    Path p = dir.resolve("bad.parquet");
    TestParquetFiles.writeIds(p, ROWS);
    TestParquetFiles.lieAboutValueCount(p, 2); // found when row group 2 opens, not in the footer
    HomiRuntime rt = HomiRuntime.get();
    try (ParquetFileReader f = ParquetFileReader.open(rt, p, HomiConfig.defaults());
        BufferAllocator alloc =
            rt.allocator().newChildAllocator("pipeline-fault", 0, Long.MAX_VALUE)) {
      List<ColumnDescriptor> cols = List.of(f.schema().column("id"));
      int[] rgs = IntStream.range(0, f.rowGroupCount()).toArray();
      try (RowGroupPipeline<RowGroupReader> pipe = RowGroupPipeline.of(f, cols, rgs, 1)) {
        pipe.start(1);
        for (int k = 0; k < 2; k++) {
          try (RowGroupReader rg = pipe.next();
              BigIntVector v = new BigIntVector("id", alloc)) {
            int n = (int) rg.rows();
            v.allocateNew(n);
            rg.read(List.of(v), 0, n); // row groups before the bad one read normally
            assertThat(v.get(0)).isEqualTo(k == 0 ? 0L : 7L * f.rowCount(0));
          }
        }
        assertThatThrownBy(pipe::next)
            .isInstanceOf(CorruptParquetException.class)
            .hasMessageContaining(p.toString())
            .hasMessageContaining("row group 2")
            .hasMessageContaining("values for the row group's");
      }
    }
  }
}
