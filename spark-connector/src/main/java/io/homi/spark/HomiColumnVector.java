package io.homi.spark;

import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.BitVector;
import org.apache.arrow.vector.DateDayVector;
import org.apache.arrow.vector.DecimalVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.SmallIntVector;
import org.apache.arrow.vector.TimeStampMicroTZVector;
import org.apache.arrow.vector.TimeStampMicroVector;
import org.apache.arrow.vector.TinyIntVector;
import org.apache.arrow.vector.VarBinaryVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.complex.ListVector;
import org.apache.arrow.vector.complex.MapVector;
import org.apache.arrow.vector.complex.StructVector;
import org.apache.spark.sql.types.Decimal;
import org.apache.spark.sql.vectorized.ArrowColumnVector;
import org.apache.spark.sql.vectorized.ColumnVector;
import org.apache.spark.sql.vectorized.ColumnarArray;
import org.apache.spark.sql.vectorized.ColumnarMap;
import org.apache.spark.unsafe.Platform;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * A Spark {@link ColumnVector} over an Arrow vector that reads values straight from the vector's
 * buffers with unsafe loads: no Arrow bounds or null checks per get, and decimals of precision <=
 * 18 as a long ({@link Decimal#createUnsafe}) instead of a BigDecimal. Buffer addresses and the
 * null count are cached by {@link #refresh()}, which must run after every batch is decoded (vectors
 * are reset or reallocated between batches); null semantics are those of {@link ArrowColumnVector}.
 * Structs and arrays ({@link HomiNestedColumnVectors}) wrap their children the same way; {@link
 * #wrap} gives an ArrowColumnVector for every other vector (maps, nulls).
 */
abstract class HomiColumnVector extends ColumnVector {
  protected final FieldVector vector;
  private long validity;
  private int nullCount;

  HomiColumnVector(FieldVector vector) {
    super(SparkSchemas.toSpark(vector.getField()));
    this.vector = vector;
  }

  /**
   * A HomiColumnVector for the flat types, structs and arrays, Spark's ArrowColumnVector otherwise.
   */
  static ColumnVector wrap(FieldVector v) {
    if (v instanceof BitVector b) return new HomiColumnVectors.Booleans(b);
    if (v instanceof TinyIntVector) return new HomiColumnVectors.Bytes(v);
    if (v instanceof SmallIntVector) return new HomiColumnVectors.Shorts(v);
    if (v instanceof IntVector || v instanceof DateDayVector) return new HomiColumnVectors.Ints(v);
    if (v instanceof BigIntVector
        || v instanceof TimeStampMicroTZVector
        || v instanceof TimeStampMicroVector) {
      return new HomiColumnVectors.Longs(v);
    }
    if (v instanceof Float4Vector) return new HomiColumnVectors.Floats(v);
    if (v instanceof Float8Vector) return new HomiColumnVectors.Doubles(v);
    if (v instanceof DecimalVector d) return new HomiColumnVectors.Decimals(d);
    if (v instanceof VarCharVector) return new HomiColumnVectors.Strings(v);
    if (v instanceof VarBinaryVector) return new HomiColumnVectors.Binaries(v);
    if (v instanceof StructVector s) return new HomiNestedColumnVectors.Structs(s);
    if (v instanceof ListVector l && !(v instanceof MapVector))
      return new HomiNestedColumnVectors.Lists(l);
    return new ArrowColumnVector(v);
  }

  /** Re-reads buffer addresses and null counts of the HomiColumnVectors among a batch's columns. */
  static void refresh(ColumnVector[] columns) {
    for (ColumnVector c : columns) if (c instanceof HomiColumnVector h) h.refresh();
  }

  /** Caches the vector's current buffer addresses and null count; call once per decoded batch. */
  void refresh() {
    validity = vector.getValidityBuffer().memoryAddress();
    nullCount = vector.getNullCount();
    refreshBuffers();
  }

  abstract void refreshBuffers();

  @Override
  public final boolean hasNull() {
    return nullCount > 0;
  }

  @Override
  public final int numNulls() {
    return nullCount;
  }

  @Override
  public final boolean isNullAt(int rowId) {
    return (Platform.getByte(null, validity + (rowId >> 3)) & (1 << (rowId & 7))) == 0;
  }

  @Override
  public void close() {
    vector.close();
  }

  private UnsupportedOperationException unsupported() {
    return new UnsupportedOperationException(
        getClass().getSimpleName() + " over " + vector.getClass().getSimpleName());
  }

  @Override
  public boolean getBoolean(int rowId) {
    throw unsupported();
  }

  @Override
  public byte getByte(int rowId) {
    throw unsupported();
  }

  @Override
  public short getShort(int rowId) {
    throw unsupported();
  }

  @Override
  public int getInt(int rowId) {
    throw unsupported();
  }

  @Override
  public long getLong(int rowId) {
    throw unsupported();
  }

  @Override
  public float getFloat(int rowId) {
    throw unsupported();
  }

  @Override
  public double getDouble(int rowId) {
    throw unsupported();
  }

  @Override
  public Decimal getDecimal(int rowId, int precision, int scale) {
    throw unsupported();
  }

  @Override
  public UTF8String getUTF8String(int rowId) {
    throw unsupported();
  }

  @Override
  public byte[] getBinary(int rowId) {
    throw unsupported();
  }

  @Override
  public ColumnarArray getArray(int rowId) {
    throw unsupported();
  }

  @Override
  public ColumnarMap getMap(int rowId) {
    throw unsupported();
  }

  @Override
  public ColumnVector getChild(int ordinal) {
    throw unsupported();
  }
}
