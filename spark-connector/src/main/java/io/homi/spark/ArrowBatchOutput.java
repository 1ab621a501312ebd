package io.homi.spark;

import io.homi.runtime.HomiRuntime;
import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.BaseFixedWidthVector;
import org.apache.arrow.vector.BaseVariableWidthVector;
import org.apache.arrow.vector.BitVector;
import org.apache.arrow.vector.BitVectorHelper;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.arrow.vector.util.TransferPair;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.execution.arrow.ArrowWriter;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.util.ArrowUtils;
import org.apache.spark.sql.vectorized.ArrowColumnVector;
import org.apache.spark.sql.vectorized.ColumnVector;
import org.apache.spark.sql.vectorized.ColumnarBatch;

/**
 * The Arrow output of one file split ({@code homi.output=arrow}, the default under the RAPIDS
 * Accelerator): every column of every batch is Spark's {@link ArrowColumnVector} over buffers that
 * belong to that batch alone, so a consumer that keeps references to them (RAPIDS' {@code
 * HostColumnarToGpu} retains each ArrowBuf's reference manager and copies to the GPU only once
 * about {@code spark.rapids.sql.batchSizeBytes} has accumulated) sees them unchanged while the scan
 * goes on. The decoded vectors' buffers are moved (not copied) into fresh vectors per batch;
 * partition values and columns a file lacks become Arrow vectors of the batch's length.
 *
 * <p>Memory: all buffers come from one allocator of this JVM ({@link #allocator()}) that outlives
 * tasks, because RAPIDS may still hold a batch's buffers after the reader that made it has closed
 * (it coalesces across file splits). This side holds a reference to the batch it handed out last
 * only: it is dropped at the next batch and when the split closes (RAPIDS does not close host
 * batches, the producer does: spark-rapids #6995). A buffer is freed when its last reference goes,
 * so what is live is one batch per running reader plus what the consumer retains (RAPIDS: up to its
 * batch size goal per task, released when it builds the device batch or closes its builder).
 */
final class ArrowBatchOutput implements AutoCloseable {
  private static volatile BufferAllocator shared;

  /**
   * One column of the output: a decoded file column (index into the split's vectors) or a constant.
   */
  private record Slot(int fileColumn, FieldVector constant, Field constantField) {}

  private final List<Slot> slots =
      new ArrayList<>(); // one per output column, added while the split lays them out
  private final BufferAllocator allocator = allocator();
  private ColumnarBatch last; // the batch handed out last: our reference, dropped at the next one

  /**
   * The allocator of all Arrow output buffers in this JVM (named {@code homi-arrow-output}, never
   * closed).
   */
  static BufferAllocator allocator() {
    BufferAllocator a = shared;
    if (a == null) {
      synchronized (ArrowBatchOutput.class) {
        if (shared == null)
          shared =
              HomiRuntime.get()
                  .allocator()
                  .newChildAllocator("homi-arrow-output", 0, Long.MAX_VALUE);
        a = shared;
      }
    }
    return a;
  }

  /**
   * The next output column is file column {@code index} (its place in the list given to {@link
   * #batch}).
   */
  void fileColumn(int index) {
    slots.add(new Slot(index, null, null));
  }

  /**
   * The next output column holds one value ({@code row.get(ordinal)}) on every row, or nulls where
   * {@code row} is null.
   */
  void constant(String name, DataType type, InternalRow row, int ordinal) {
    Field f = ArrowUtils.toArrowField(name, type, true, "UTC", false);
    if (row == null || row.isNullAt(ordinal)) {
      slots.add(new Slot(-1, null, f));
      return;
    }
    // One row written by Spark's own Arrow writer: the value's Arrow form, repeated per batch.
    VectorSchemaRoot root = VectorSchemaRoot.create(new Schema(List.of(f)), allocator);
    try {
      root.getFieldVectors()
          .forEach(v -> v.setInitialCapacity(1)); // not the writer's default of thousands
      ArrowWriter w = ArrowWriter.create(root);
      w.write(new GenericInternalRow(new Object[] {row.get(ordinal, type)}));
      w.finish();
      slots.add(new Slot(-1, root.getVector(0), f));
    } catch (RuntimeException e) {
      root.close();
      throw e;
    }
  }

  /**
   * The batch of {@code rows} rows just decoded into {@code decoded}: their buffers move into the
   * batch (the decoded vectors are left empty and allocate anew for the next batch).
   */
  ColumnarBatch batch(List<FieldVector> decoded, int rows) {
    release();
    ColumnVector[] cols = new ColumnVector[slots.size()];
    try {
      for (int i = 0; i < cols.length; i++) {
        Slot s = slots.get(i);
        FieldVector v;
        if (s.fileColumn >= 0) {
          TransferPair t = decoded.get(s.fileColumn).getTransferPair(allocator);
          t.transfer();
          v = (FieldVector) t.getTo();
        } else {
          v = s.constantField.createVector(allocator);
          fill(v, s.constant, rows);
        }
        cols[i] = new ArrowColumnVector(v);
      }
    } catch (RuntimeException e) {
      for (ColumnVector c : cols) if (c != null) c.close();
      throw e;
    }
    last = new ColumnarBatch(cols, rows);
    return last;
  }

  /**
   * Drops this side's reference to the last batch; buffers a consumer retained stay until it
   * releases them.
   */
  void release() {
    if (last != null) {
      last.close();
      last = null;
    }
  }

  @Override
  public void close() {
    release();
    for (Slot s : slots) if (s.constant != null) s.constant.close();
  }

  /**
   * {@code rows} copies of row 0 of {@code one} into {@code v}, or {@code rows} nulls where {@code
   * one} is null.
   */
  static void fill(FieldVector v, FieldVector one, int rows) {
    if (one == null) {
      v.setInitialCapacity(rows);
      v.allocateNew();
      v.getValidityBuffer().setZero(0, v.getValidityBuffer().capacity());
      v.setValueCount(rows);
      return;
    }
    if (one instanceof BitVector b) {
      BitVector d = (BitVector) v;
      d.allocateNew(rows);
      setAll(d.getValidityBuffer(), rows, true);
      setAll(d.getDataBuffer(), rows, b.get(0) != 0);
      d.setValueCount(rows);
    } else if (one instanceof BaseFixedWidthVector f) {
      BaseFixedWidthVector d = (BaseFixedWidthVector) v;
      d.allocateNew(rows);
      setAll(d.getValidityBuffer(), rows, true);
      repeat(d.getDataBuffer(), f.getDataBuffer(), 0, f.getTypeWidth(), rows);
      d.setValueCount(rows);
    } else if (one instanceof BaseVariableWidthVector f) {
      BaseVariableWidthVector d = (BaseVariableWidthVector) v;
      int len = f.getValueLength(0);
      d.allocateNew(Math.max(1L, (long) len * rows), rows);
      setAll(d.getValidityBuffer(), rows, true);
      ArrowBuf offsets = d.getOffsetBuffer();
      for (int i = 0; i <= rows; i++)
        offsets.setInt((long) i * BaseVariableWidthVector.OFFSET_WIDTH, i * len);
      repeat(d.getDataBuffer(), f.getDataBuffer(), f.getStartOffset(0), len, rows);
      d.setLastSet(rows - 1); // else setValueCount "fills holes" over the offsets written above
      d.setValueCount(rows);
    } else {
      // Not a type a partition value takes (Spark's partition types are flat): value by value.
      v.setInitialCapacity(rows);
      v.allocateNew();
      for (int i = 0; i < rows; i++) v.copyFromSafe(0, i, one);
      v.setValueCount(rows);
    }
  }

  /**
   * Writes {@code count} copies of {@code width} bytes at {@code from} of {@code src} from offset 0
   * of {@code dst}, doubling.
   */
  private static void repeat(ArrowBuf dst, ArrowBuf src, long from, int width, int count) {
    if (width == 0 || count == 0) return;
    dst.setBytes(0, src, from, width);
    long done = width, total = (long) width * count;
    while (done < total) {
      long n = Math.min(done, total - done);
      dst.setBytes(done, dst, 0, n);
      done += n;
    }
  }

  /** Sets the first {@code rows} bits of {@code bits} to {@code value}. */
  private static void setAll(ArrowBuf bits, int rows, boolean value) {
    int whole = rows >>> 3;
    if (value) bits.setOne(0L, (long) whole);
    else bits.setZero(0, whole);
    for (int i = whole << 3; i < rows; i++) BitVectorHelper.setValidityBit(bits, i, value ? 1 : 0);
  }
}
