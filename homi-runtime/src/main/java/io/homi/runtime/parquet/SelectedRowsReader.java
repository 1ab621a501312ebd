package io.homi.runtime.parquet;

import io.homi.runtime.stats.RowRanges;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.FieldVector;

/**
 * Reads the selected rows of a row group whose columns read only some pages ({@link
 * PageSelection}). Each column yields the rows of its own pages, which start and end on rows of
 * their own; before each run of selected rows, every column drops the values it holds between its
 * last row and the run (decoded into a scratch vector, since a page can only be decoded from its
 * start), so that all columns give the same rows.
 */
final class SelectedRowsReader implements AutoCloseable {
  private static final int DROP_BATCH = 4096;
  private final List<ColumnReader> readers;
  private final List<ColumnDescriptor> columns;
  private final RowRanges[] yielded;
  private final long[] next; // row-group row of each column's next value
  private final List<long[]> runs;
  private final BufferAllocator allocator;
  private final FieldVector[] scratch;
  private int run;
  private long inRun;

  SelectedRowsReader(
      List<ColumnReader> readers,
      List<ColumnDescriptor> columns,
      PageSelection selection,
      BufferAllocator allocator) {
    this.readers = readers;
    this.columns = columns;
    this.yielded = new RowRanges[columns.size()];
    for (int i = 0; i < yielded.length; i++) yielded[i] = selection.yielded(columns.get(i).index());
    this.next = new long[columns.size()];
    this.runs = selection.rows().intervals();
    this.allocator = allocator;
    this.scratch = new FieldVector[columns.size()];
  }

  /**
   * The next {@code n} selected rows of every column into {@code vectors} starting at {@code dst}.
   */
  void read(List<FieldVector> vectors, int dst, int n) throws HomiParquetException {
    int done = 0;
    while (done < n) {
      long[] r = runs.get(run);
      long row = r[0] + inRun;
      int k = (int) Math.min(n - done, r[1] - row);
      for (int i = 0; i < readers.size(); i++) {
        drop(i, yielded[i].countBetween(next[i], row));
        readers.get(i).read(vectors.get(i), dst + done, k);
        next[i] = row + k;
      }
      done += k;
      inRun += k;
      if (r[0] + inRun == r[1]) {
        run++;
        inRun = 0;
      }
    }
  }

  private void drop(int i, long count) throws HomiParquetException {
    while (count > 0) {
      int m = (int) Math.min(count, DROP_BATCH);
      FieldVector v = scratch[i];
      if (v == null) {
        v = columns.get(i).arrowField().createVector(allocator);
        v.setInitialCapacity(DROP_BATCH);
        v.allocateNew();
        scratch[i] = v;
      } else {
        v.reset();
      }
      readers.get(i).read(v, 0, m);
      count -= m;
    }
  }

  @Override
  public void close() {
    for (FieldVector v : scratch) if (v != null) v.close();
  }
}
