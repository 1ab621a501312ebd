package io.homi.spark;

import io.homi.runtime.gpu.decode.DeviceArrayExport;
import io.homi.runtime.gpu.decode.DeviceBatch;
import io.homi.runtime.gpu.decode.DeviceColumn;
import io.homi.runtime.gpu.decode.LazyHostColumn;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.Decimal;
import org.apache.spark.sql.vectorized.ColumnVector;
import org.apache.spark.sql.vectorized.ColumnarArray;
import org.apache.spark.sql.vectorized.ColumnarMap;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * A column of a {@code homi.output=gpu} batch: decoded into GPU memory (Arrow layout), handed to
 * GPU consumers as is ({@link #deviceColumn()}, {@link #deviceBatch()}, {@link
 * #exportDeviceArray()}), and read on the CPU through an Arrow host vector over the row group's
 * pinned host copy (issued right after the decode under {@code homi.gpuHostCopy=eager}, else at the
 * first CPU read), so Spark's own operators see the values the CPU decoder would give. Valid until
 * the reader's next batch.
 */
public final class DeviceColumnVector extends ColumnVector {
  private final LazyHostColumn column;
  private ColumnVector
      host; // the host vector as the CPU output reads it (unchecked loads for flat types)

  DeviceColumnVector(DataType type, LazyHostColumn column) {
    super(type);
    this.column = column;
  }

  /** The column's device buffers (validity, [offsets,] values) and their sizes. */
  public DeviceColumn deviceColumn() {
    return column.device();
  }

  /**
   * The row group's device batch this column belongs to (every device column of the Spark batch
   * shares it).
   */
  public DeviceBatch deviceBatch() {
    return column.batch();
  }

  /** The CUDA device ordinal the buffers live on. */
  public int deviceOrdinal() {
    return column.deviceOrdinal();
  }

  /**
   * The device batch as an Arrow C Device Data Interface {@code ArrowDeviceArray} (a struct of the
   * file columns, device type CUDA, sync event set); the caller closes the export.
   */
  public DeviceArrayExport exportDeviceArray() {
    return DeviceArrayExport.of(column.batch(), column.deviceOrdinal());
  }

  /** Whether this column's copy to host memory has been made or issued. */
  public boolean isCopiedToHost() {
    return column.copied();
  }

  private ColumnVector host() {
    if (host == null) {
      ColumnVector h = HomiColumnVector.wrap(column.host());
      if (h instanceof HomiColumnVector v)
        v.refresh(); // the view's buffer addresses, fixed for this batch
      host = h;
    }
    return host;
  }

  @Override
  public void close() {
    host = null;
    column.close(); // the host copy; device buffers go with the reader's next batch
  }

  @Override
  public boolean hasNull() {
    return column.device().nullCount() > 0;
  }

  @Override
  public int numNulls() {
    return (int) column.device().nullCount();
  }

  @Override
  public boolean isNullAt(int rowId) {
    return host().isNullAt(rowId);
  }

  @Override
  public boolean getBoolean(int rowId) {
    return host().getBoolean(rowId);
  }

  @Override
  public byte getByte(int rowId) {
    return host().getByte(rowId);
  }

  @Override
  public short getShort(int rowId) {
    return host().getShort(rowId);
  }

  @Override
  public int getInt(int rowId) {
    return host().getInt(rowId);
  }

  @Override
  public long getLong(int rowId) {
    return host().getLong(rowId);
  }

  @Override
  public float getFloat(int rowId) {
    return host().getFloat(rowId);
  }

  @Override
  public double getDouble(int rowId) {
    return host().getDouble(rowId);
  }

  @Override
  public ColumnarArray getArray(int rowId) {
    return host().getArray(rowId);
  }

  @Override
  public ColumnarMap getMap(int rowId) {
    return host().getMap(rowId);
  }

  @Override
  public Decimal getDecimal(int rowId, int precision, int scale) {
    return host().getDecimal(rowId, precision, scale);
  }

  @Override
  public UTF8String getUTF8String(int rowId) {
    return host().getUTF8String(rowId);
  }

  @Override
  public byte[] getBinary(int rowId) {
    return host().getBinary(rowId);
  }

  @Override
  public ColumnVector getChild(int ordinal) {
    return host().getChild(ordinal);
  }
}
