package io.homi.spark;

import java.io.IOException;
import org.apache.spark.sql.connector.metric.CustomTaskMetric;
import org.apache.spark.sql.connector.read.PartitionReader;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.vectorized.ColumnarBatch;

/**
 * A homi task's reader whose batches are RAPIDS GPU columns ({@link RapidsBridge#toGpu}): each
 * batch of the inner reader (a row group decoded on the GPU, or a CPU batch where the kernels
 * refused one) becomes a new batch of cuDF columns that the consumer owns and closes; the inner
 * batch is released by the inner reader at its next batch, as always. The bridge was checked when
 * the plan was rewritten ({@link RapidsBridgeRule}); an executor where it cannot be had fails the
 * task naming why, since no HostColumnarToGpu is left in the plan to take host batches.
 */
final class RapidsBridgeReader implements PartitionReader<ColumnarBatch> {
  private final HomiColumnarReader inner;
  private final StructType schema;
  private final RapidsBridge bridge;
  private ColumnarBatch current;

  RapidsBridgeReader(HomiColumnarReader inner, StructType schema) {
    this.inner = inner;
    this.schema = schema;
    this.bridge = RapidsBridge.get();
    if (bridge == null) {
      inner.close();
      throw new IllegalStateException(
          "homi: this scan was planned to hand GPU columns to RAPIDS, but on this executor the "
              + RapidsBridge.unavailableReason());
    }
  }

  @Override
  public boolean next() throws IOException {
    current = null;
    bridge.acquireSemaphore(); // before homi's decode puts the row group on the GPU, as RAPIDS' own
    // scans do
    if (!inner.next()) return false;
    current = bridge.toGpu(inner.get(), schema, ArrowBatchOutput.allocator());
    return true;
  }

  @Override
  public ColumnarBatch get() {
    return current;
  }

  @Override
  public CustomTaskMetric[] currentMetricsValues() {
    return inner.currentMetricsValues();
  }

  @Override
  public void close() {
    current = null; // the consumer's now
    inner.close();
  }
}
