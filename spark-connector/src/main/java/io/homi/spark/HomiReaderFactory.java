package io.homi.spark;

import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.connector.read.InputPartition;
import org.apache.spark.sql.connector.read.PartitionReader;
import org.apache.spark.sql.connector.read.PartitionReaderFactory;
import org.apache.spark.sql.vectorized.ColumnarBatch;

/** Columnar readers only: HOMI decodes into Arrow, and Spark consumes the batches directly. */
final class HomiReaderFactory implements PartitionReaderFactory {
  private final ReadPlan plan;
  private final FileErrors errors;
  private final int limit; // rows after which a task stops (pushed LIMIT), or -1
  private final boolean rapidsBridge; // readers emit RAPIDS GPU batches (RapidsBridgeRule)

  HomiReaderFactory(ReadPlan plan, FileErrors errors, int limit) {
    this(plan, errors, limit, false);
  }

  HomiReaderFactory(ReadPlan plan, FileErrors errors, int limit, boolean rapidsBridge) {
    this.rapidsBridge = rapidsBridge;
    this.plan = plan;
    this.errors = errors;
    this.limit = limit;
  }

  @Override
  public boolean supportColumnarReads(InputPartition partition) {
    return true;
  }

  @Override
  public PartitionReader<InternalRow> createReader(InputPartition partition) {
    throw new UnsupportedOperationException("homi produces columnar batches only");
  }

  @Override
  public PartitionReader<ColumnarBatch> createColumnarReader(InputPartition partition) {
    SparkSettings.handSparkConfToRuntime(); // this executor's per-JVM settings, before its runtime starts
    HomiColumnarReader r = new HomiColumnarReader((HomiInputPartition) partition, plan, errors, limit);
    return rapidsBridge ? new RapidsBridgeReader(r, plan.readSchema()) : r;
  }
}
