package io.homi.spark;

import java.io.IOException;
import org.apache.spark.sql.connector.metric.CustomTaskMetric;
import org.apache.spark.sql.connector.read.PartitionReader;
import org.apache.spark.sql.vectorized.ColumnarBatch;

/**
 * An executor's reader for one task: its file slices one after the other, each opened through
 * this JVM's HOMI runtime only when its turn comes, so one file's queue pair is held at a time.
 */
final class HomiColumnarReader implements PartitionReader<ColumnarBatch> {
  private final HomiInputPartition part;
  private final ReadPlan plan;
  private final HomiMetrics.Task metrics = new HomiMetrics.Task();
  private int nextSlice;
  private FileSliceReader slice;
  private ColumnarBatch current;

  HomiColumnarReader(HomiInputPartition part, ReadPlan plan) {
    this.part = part;
    this.plan = plan;
  }

  @Override
  public boolean next() throws IOException {
    while (true) {
      if (slice == null) {
        if (nextSlice == part.slices().length) return false;
        slice = new FileSliceReader(part.slices()[nextSlice++], plan, metrics);
      }
      try {
        current = slice.next();
      } catch (IOException e) {
        throw new HomiReadException(e);
      }
      if (current != null) return true;
      closeSlice();
    }
  }

  @Override
  public ColumnarBatch get() {
    return current;
  }

  @Override
  public CustomTaskMetric[] currentMetricsValues() {
    return metrics.values(slice == null ? null : slice.pathStats());
  }

  private void closeSlice() {
    metrics.fileDone(slice.pathStats());
    slice.close();
    slice = null;
  }

  @Override
  public void close() {
    if (slice != null) closeSlice();
  }
}
