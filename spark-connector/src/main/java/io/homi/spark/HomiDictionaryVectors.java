package io.homi.spark;

import io.homi.runtime.parquet.DictionaryBatch;
import org.apache.arrow.vector.BaseVariableWidthVector;
import org.apache.arrow.vector.DecimalVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.spark.sql.types.Decimal;
import org.apache.spark.unsafe.Platform;
import org.apache.spark.unsafe.types.UTF8String;

/** The {@link HomiDictionaryVector}s, one small class per value layout of the dictionary. */
final class HomiDictionaryVectors {
  private HomiDictionaryVectors() {}

  /** TinyIntVector dictionary. */
  static final class Bytes extends HomiDictionaryVector {
    Bytes(FieldVector v, DictionaryBatch b) {
      super(v, b);
    }

    @Override
    public byte getByte(int rowId) {
      return Platform.getByte(null, dict + id(rowId));
    }
  }

  /** SmallIntVector dictionary. */
  static final class Shorts extends HomiDictionaryVector {
    Shorts(FieldVector v, DictionaryBatch b) {
      super(v, b);
    }

    @Override
    public short getShort(int rowId) {
      return Platform.getShort(null, dict + 2L * id(rowId));
    }
  }

  /** IntVector and DateDayVector dictionary. */
  static final class Ints extends HomiDictionaryVector {
    Ints(FieldVector v, DictionaryBatch b) {
      super(v, b);
    }

    @Override
    public int getInt(int rowId) {
      return Platform.getInt(null, dict + 4L * id(rowId));
    }
  }

  /** BigIntVector and TimeStampMicro(TZ)Vector dictionary. */
  static final class Longs extends HomiDictionaryVector {
    Longs(FieldVector v, DictionaryBatch b) {
      super(v, b);
    }

    @Override
    public long getLong(int rowId) {
      return Platform.getLong(null, dict + 8L * id(rowId));
    }
  }

  /** Float4Vector dictionary. */
  static final class Floats extends HomiDictionaryVector {
    Floats(FieldVector v, DictionaryBatch b) {
      super(v, b);
    }

    @Override
    public float getFloat(int rowId) {
      return Platform.getFloat(null, dict + 4L * id(rowId));
    }
  }

  /** Float8Vector dictionary. */
  static final class Doubles extends HomiDictionaryVector {
    Doubles(FieldVector v, DictionaryBatch b) {
      super(v, b);
    }

    @Override
    public double getDouble(int rowId) {
      return Platform.getDouble(null, dict + 8L * id(rowId));
    }
  }

  /**
   * DecimalVector dictionary: precision <= 18 read as the low long (see {@link
   * HomiColumnVectors.Decimals}).
   */
  static final class Decimals extends HomiDictionaryVector {
    private final boolean fitsLong;

    Decimals(DecimalVector v, DictionaryBatch b) {
      super(v, b);
      this.fitsLong = v.getPrecision() <= Decimal.MAX_LONG_DIGITS();
    }

    @Override
    public Decimal getDecimal(int rowId, int precision, int scale) {
      if (isNullAt(rowId)) return null;
      int id = id(rowId);
      if (fitsLong && precision <= Decimal.MAX_LONG_DIGITS()) {
        return Decimal.createUnsafe(Platform.getLong(null, dict + 16L * id), precision, scale);
      }
      return Decimal.apply(((DecimalVector) dictionary).getObject(id), precision, scale);
    }
  }

  /**
   * VarCharVector dictionary: every entry made a UTF8String once per dictionary (on-heap copies, so
   * they outlive the dictionary's Arrow memory), and a get is one array load.
   */
  static final class Strings extends HomiDictionaryVector {
    private UTF8String[] values;

    Strings(FieldVector v, DictionaryBatch b) {
      super(v, b);
    }

    @Override
    void newDictionary() {
      BaseVariableWidthVector d = (BaseVariableWidthVector) dictionary;
      UTF8String[] vs = new UTF8String[Math.max(1, d.getValueCount())];
      for (int i = 0; i < d.getValueCount(); i++) vs[i] = UTF8String.fromBytes(d.get(i));
      if (d.getValueCount() == 0)
        vs[0] = UTF8String.EMPTY_UTF8; // id 0 of null rows in an empty dictionary
      values = vs;
    }

    @Override
    public UTF8String getUTF8String(int rowId) {
      if (isNullAt(rowId)) return null;
      return values[id(rowId)];
    }
  }

  /** VarBinaryVector dictionary: each get copies the entry into a new byte[]. */
  static final class Binaries extends HomiDictionaryVector {
    private long offsets;

    Binaries(FieldVector v, DictionaryBatch b) {
      super(v, b);
    }

    @Override
    void newDictionary() {
      offsets = dictionary.getOffsetBuffer().memoryAddress();
    }

    @Override
    public byte[] getBinary(int rowId) {
      if (isNullAt(rowId)) return null;
      long o = offsets + 4L * id(rowId);
      int start = Platform.getInt(null, o);
      byte[] b = new byte[Platform.getInt(null, o + 4) - start];
      Platform.copyMemory(null, dict + start, b, Platform.BYTE_ARRAY_OFFSET, b.length);
      return b;
    }
  }
}
