package io.homi.runtime.parquet;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.ValueVector;

/**
 * Batches of at most {@code batchRows} rows from chosen row groups of one file, decoded into a
 * reused set of Arrow vectors. A batch never spans row groups; only one row group's bytes are held
 * at a time.
 */
public final class ParquetBatchReader implements AutoCloseable {
  private final ParquetFileReader file;
  private final int[] rowGroups;
  private final List<ColumnDescriptor> columns;
  private final int batchRows;
  private final List<FieldVector> vectors = new ArrayList<>();
  private int nextGroup;
  private RowGroupReader current;
  private long bytesFetched;

  public ParquetBatchReader(
      ParquetFileReader file,
      int[] rowGroups,
      List<ColumnDescriptor> columns,
      BufferAllocator allocator,
      int batchRows) {
    this.file = file;
    this.rowGroups = rowGroups.clone();
    this.columns = List.copyOf(columns);
    this.batchRows = batchRows;
    for (ColumnDescriptor c : columns) vectors.add(c.arrowField().createVector(allocator));
  }

  public List<FieldVector> vectors() {
    return vectors;
  }

  /** Decodes the next batch into {@link #vectors()}; returns its row count, 0 at the end. */
  public int next() throws IOException {
    while (current == null || current.rowsLeft() == 0) {
      if (current != null) {
        current.close();
        current = null;
      }
      if (nextGroup == rowGroups.length) return 0;
      current = file.openRowGroup(rowGroups[nextGroup++], columns);
      bytesFetched += current.bytesFetched();
    }
    int n = (int) Math.min(batchRows, current.rowsLeft());
    prepareVectors();
    current.read(vectors, 0, n);
    for (FieldVector v : vectors) v.setValueCount(n);
    return n;
  }

  /** Bytes fetched through the runtime so far (whole 4 KiB blocks of the projected chunks). */
  public long bytesFetched() {
    return bytesFetched;
  }

  /**
   * Reuses each vector's memory when it still has it; a consumer may have closed the previous
   * batch's vectors (Spark closes ColumnarBatches it is done with), which releases it.
   */
  private void prepareVectors() {
    for (FieldVector v : vectors) {
      if (v.getValueCapacity() >= batchRows) {
        v.reset(); // keeps capacity, zeroes validity: nulls are the default
      } else {
        v.clear();
        v.setInitialCapacity(batchRows);
        v.allocateNew();
      }
    }
  }

  @Override
  public void close() {
    if (current != null) current.close();
    vectors.forEach(ValueVector::close);
  }
}
