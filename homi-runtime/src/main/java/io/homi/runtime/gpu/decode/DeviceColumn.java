package io.homi.runtime.gpu.decode;

import io.homi.runtime.gpu.CudaDriver;
import io.homi.runtime.gpu.DeviceBuffer;
import io.homi.runtime.parquet.ColumnDescriptor;
import io.homi.runtime.parquet.ValueKind;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.BaseVariableWidthVector;
import org.apache.arrow.vector.FieldVector;

/**
 * One decoded column in GPU memory, in Arrow layout: validity bitmap (LSB first), and either
 * fixed-width values (booleans bit-packed) or int32 offsets (rows + 1) plus data.
 */
public final class DeviceColumn implements AutoCloseable {
  private final ColumnDescriptor column;
  private final long rows;
  private final long nullCount;
  private final DeviceBuffer validity;
  private final DeviceBuffer values; // fixed width: values; byte arrays: the data (null when empty)
  private final DeviceBuffer offsets; // byte arrays only
  private final long dataBytes;

  DeviceColumn(
      ColumnDescriptor column,
      long rows,
      long nullCount,
      DeviceBuffer validity,
      DeviceBuffer values,
      DeviceBuffer offsets,
      long dataBytes) {
    this.column = column;
    this.rows = rows;
    this.nullCount = nullCount;
    this.validity = validity;
    this.values = values;
    this.offsets = offsets;
    this.dataBytes = dataBytes;
  }

  DeviceBuffer validityBuffer() {
    return validity;
  }

  DeviceBuffer valuesBuffer() {
    return values;
  }

  DeviceBuffer offsetsBuffer() {
    return offsets;
  }

  long dataBytes() {
    return dataBytes;
  }

  public ColumnDescriptor column() {
    return column;
  }

  public long rows() {
    return rows;
  }

  public long nullCount() {
    return nullCount;
  }

  /**
   * Device addresses of the Arrow buffers in C Data Interface order (validity, [offsets,] values);
   * 0 = absent.
   */
  public long[] bufferAddresses() {
    long v = validity == null ? 0 : validity.address();
    long d = values == null ? 0 : values.address();
    return offsets == null ? new long[] {v, d} : new long[] {v, offsets.address(), d};
  }

  /**
   * Bytes of each Arrow buffer, in the order of {@link #bufferAddresses()} (used bytes for
   * byte-array data); 0 = absent.
   */
  public long[] bufferBytes() {
    long v = validity == null ? 0 : validity.capacity();
    long d = values == null ? 0 : column.kind().isByteArray() ? dataBytes : values.capacity();
    return offsets == null ? new long[] {v, d} : new long[] {v, offsets.capacity(), d};
  }

  /** Bytes of the Arrow buffers (what a decode produced). */
  public long arrowBytes() {
    return (validity == null ? 0 : validity.capacity())
        + (offsets == null ? 0 : offsets.capacity())
        + (column.kind().isByteArray() ? dataBytes : values == null ? 0 : values.capacity());
  }

  static long valueBytes(ValueKind kind, long rows) {
    return FixedConversion.valueBytes(kind, rows);
  }

  /** Copies the column to a new Arrow host vector (the caller closes it). */
  public FieldVector toVector(BufferAllocator allocator) {
    if (rows > Integer.MAX_VALUE)
      throw new IllegalStateException(rows + " rows do not fit one Arrow vector");
    int n = (int) rows;
    FieldVector v = column.arrowField().createVector(allocator);
    try {
      if (v instanceof BaseVariableWidthVector b) {
        b.allocateNew(Math.max(dataBytes, 1), n);
        copy(b.getOffsetBuffer().memoryAddress(), offsets, (n + 1L) * 4);
        if (dataBytes > 0) copy(b.getDataBuffer().memoryAddress(), values, dataBytes);
        copy(b.getValidityBuffer().memoryAddress(), validity, (n + 7L) / 8);
        b.setLastSet(n - 1); // offsets are complete: keep setValueCount from filling "holes"
      } else {
        v.setInitialCapacity(n);
        v.allocateNew();
        copy(v.getValidityBuffer().memoryAddress(), validity, (n + 7L) / 8);
        copy(v.getDataBuffer().memoryAddress(), values, valueBytes(column.kind(), n));
      }
      v.setValueCount(n);
      return v;
    } catch (RuntimeException e) {
      v.close();
      throw e;
    }
  }

  private static void copy(long host, DeviceBuffer from, long bytes) {
    if (bytes > 0) CudaDriver.copyDtoH(host, from.address(), bytes);
  }

  @Override
  public void close() {
    if (validity != null) validity.close();
    if (values != null) values.close();
    if (offsets != null) offsets.close();
  }
}
