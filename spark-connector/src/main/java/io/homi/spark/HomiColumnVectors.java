package io.homi.spark;

import org.apache.arrow.vector.BitVector;
import org.apache.arrow.vector.DecimalVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.spark.sql.types.Decimal;
import org.apache.spark.unsafe.Platform;
import org.apache.spark.unsafe.types.UTF8String;

/** The {@link HomiColumnVector}s, one small class per value layout. */
final class HomiColumnVectors {
  private HomiColumnVectors() {}

  /** BitVector: one bit per value. */
  static final class Booleans extends HomiColumnVector {
    private long data;

    Booleans(BitVector v) {
      super(v);
    }

    @Override
    void refreshBuffers() {
      data = vector.getDataBuffer().memoryAddress();
    }

    @Override
    public boolean getBoolean(int rowId) {
      return (Platform.getByte(null, data + (rowId >> 3)) & (1 << (rowId & 7))) != 0;
    }
  }

  /** TinyIntVector. */
  static final class Bytes extends HomiColumnVector {
    private long data;

    Bytes(FieldVector v) {
      super(v);
    }

    @Override
    void refreshBuffers() {
      data = vector.getDataBuffer().memoryAddress();
    }

    @Override
    public byte getByte(int rowId) {
      return Platform.getByte(null, data + rowId);
    }
  }

  /** SmallIntVector. */
  static final class Shorts extends HomiColumnVector {
    private long data;

    Shorts(FieldVector v) {
      super(v);
    }

    @Override
    void refreshBuffers() {
      data = vector.getDataBuffer().memoryAddress();
    }

    @Override
    public short getShort(int rowId) {
      return Platform.getShort(null, data + 2L * rowId);
    }
  }

  /** IntVector and DateDayVector (days since the epoch). */
  static final class Ints extends HomiColumnVector {
    private long data;

    Ints(FieldVector v) {
      super(v);
    }

    @Override
    void refreshBuffers() {
      data = vector.getDataBuffer().memoryAddress();
    }

    @Override
    public int getInt(int rowId) {
      return Platform.getInt(null, data + 4L * rowId);
    }
  }

  /** BigIntVector and TimeStampMicro(TZ)Vector (microseconds since the epoch). */
  static final class Longs extends HomiColumnVector {
    private long data;

    Longs(FieldVector v) {
      super(v);
    }

    @Override
    void refreshBuffers() {
      data = vector.getDataBuffer().memoryAddress();
    }

    @Override
    public long getLong(int rowId) {
      return Platform.getLong(null, data + 8L * rowId);
    }
  }

  /** Float4Vector. */
  static final class Floats extends HomiColumnVector {
    private long data;

    Floats(FieldVector v) {
      super(v);
    }

    @Override
    void refreshBuffers() {
      data = vector.getDataBuffer().memoryAddress();
    }

    @Override
    public float getFloat(int rowId) {
      return Platform.getFloat(null, data + 4L * rowId);
    }
  }

  /** Float8Vector. */
  static final class Doubles extends HomiColumnVector {
    private long data;

    Doubles(FieldVector v) {
      super(v);
    }

    @Override
    void refreshBuffers() {
      data = vector.getDataBuffer().memoryAddress();
    }

    @Override
    public double getDouble(int rowId) {
      return Platform.getDouble(null, data + 8L * rowId);
    }
  }

  /**
   * DecimalVector (128-bit little-endian two's complement). A value of precision <= 18 fits in a
   * long, so its low 8 bytes are that long (the high 8 only repeat its sign): read as a long and
   * kept unscaled, as Spark's own Parquet reader does; wider values go through BigDecimal as in
   * ArrowColumnVector.
   */
  static final class Decimals extends HomiColumnVector {
    private final boolean fitsLong;
    private long data;

    Decimals(DecimalVector v) {
      super(v);
      this.fitsLong = v.getPrecision() <= Decimal.MAX_LONG_DIGITS();
    }

    @Override
    void refreshBuffers() {
      data = vector.getDataBuffer().memoryAddress();
    }

    @Override
    public Decimal getDecimal(int rowId, int precision, int scale) {
      if (isNullAt(rowId)) return null;
      if (fitsLong && precision <= Decimal.MAX_LONG_DIGITS()) {
        return Decimal.createUnsafe(Platform.getLong(null, data + 16L * rowId), precision, scale);
      }
      return Decimal.apply(((DecimalVector) vector).getObject(rowId), precision, scale);
    }
  }

  /** VarCharVector: UTF8Strings pointing into the data buffer, valid while the batch is. */
  static final class Strings extends HomiColumnVector {
    private long offsets;
    private long data;

    Strings(FieldVector v) {
      super(v);
    }

    @Override
    void refreshBuffers() {
      offsets = vector.getOffsetBuffer().memoryAddress();
      data = vector.getDataBuffer().memoryAddress();
    }

    @Override
    public UTF8String getUTF8String(int rowId) {
      if (isNullAt(rowId)) return null;
      long o = offsets + 4L * rowId;
      int start = Platform.getInt(null, o);
      return UTF8String.fromAddress(null, data + start, Platform.getInt(null, o + 4) - start);
    }
  }

  /** VarBinaryVector: each value copied into a new byte[]. */
  static final class Binaries extends HomiColumnVector {
    private long offsets;
    private long data;

    Binaries(FieldVector v) {
      super(v);
    }

    @Override
    void refreshBuffers() {
      offsets = vector.getOffsetBuffer().memoryAddress();
      data = vector.getDataBuffer().memoryAddress();
    }

    @Override
    public byte[] getBinary(int rowId) {
      if (isNullAt(rowId)) return null;
      long o = offsets + 4L * rowId;
      int start = Platform.getInt(null, o);
      byte[] b = new byte[Platform.getInt(null, o + 4) - start];
      Platform.copyMemory(null, data + start, b, Platform.BYTE_ARRAY_OFFSET, b.length);
      return b;
    }
  }
}
