package io.homi.spark;

import io.homi.runtime.HomiRuntime;
import io.homi.runtime.parquet.ColumnDescriptor;
import io.homi.runtime.parquet.HomiParquetException;
import io.homi.runtime.parquet.ParquetBatchReader;
import io.homi.runtime.parquet.ParquetFileReader;
import java.io.IOException;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.spark.sql.connector.metric.CustomTaskMetric;
import org.apache.spark.sql.connector.read.PartitionReader;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.vectorized.ArrowColumnVector;
import org.apache.spark.sql.vectorized.ColumnVector;
import org.apache.spark.sql.vectorized.ColumnarBatch;

/**
 * An executor's reader for one partition: opens the file through this JVM's HOMI runtime and
 * turns each decoded Arrow batch into a ColumnarBatch of Spark's ArrowColumnVector, no copy.
 */
final class HomiColumnarReader implements PartitionReader<ColumnarBatch> {
  private final ParquetFileReader file;
  private final ParquetBatchReader batches;
  private final BufferAllocator allocator;
  private final HomiMetrics.Task metrics = new HomiMetrics.Task();
  private ColumnarBatch current;

  HomiColumnarReader(HomiInputPartition part, StructType readSchema, HomiOptions options) {
    HomiRuntime rt = HomiRuntime.get();
    try {
      this.file = ParquetFileReader.open(rt, Paths.get(part.path()), options.config());
    } catch (IOException e) {
      throw new HomiReadException(e);
    }
    try {
      if (file.identity().size() != part.plannedSize() || file.identity().mtimeNanos() != part.plannedMtimeNanos()) {
        throw new HomiReadException(new HomiParquetException("file changed since the scan was planned: " + part.path()));
      }
      List<ColumnDescriptor> cols = new ArrayList<>();
      for (StructField f : readSchema.fields()) {
        ColumnDescriptor c = file.schema().column(f.name());
        if (c == null) throw new HomiReadException(new HomiParquetException("column '" + f.name() + "' missing in " + part.path()));
        cols.add(c);
      }
      this.allocator = rt.allocator().newChildAllocator("homi-task " + part.path(), 0, Long.MAX_VALUE);
      this.batches = new ParquetBatchReader(file, part.rowGroups(), cols, allocator, options.config().batchRows());
    } catch (RuntimeException e) {
      file.close();
      throw e;
    }
  }

  @Override
  public boolean next() throws IOException {
    long t0 = System.nanoTime();
    int rows;
    try {
      rows = batches.next();
    } catch (IOException e) {
      throw new HomiReadException(e);
    }
    metrics.addDecodeNanos(System.nanoTime() - t0);
    if (rows == 0) return false;
    ColumnVector[] cols = new ColumnVector[batches.vectors().size()];
    for (int i = 0; i < cols.length; i++) cols[i] = new ArrowColumnVector(batches.vectors().get(i));
    current = new ColumnarBatch(cols, rows);
    metrics.addRows(rows);
    return true;
  }

  @Override
  public ColumnarBatch get() {
    return current;
  }

  @Override
  public CustomTaskMetric[] currentMetricsValues() {
    metrics.setBytes(batches.bytesFetched());
    return metrics.values();
  }

  @Override
  public void close() {
    batches.close();
    file.close();
    allocator.close();
  }
}
