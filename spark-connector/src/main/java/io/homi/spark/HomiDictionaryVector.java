package io.homi.spark;

import io.homi.runtime.parquet.DictionaryBatch;
import org.apache.arrow.vector.BigIntVector;
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
import org.apache.spark.unsafe.Platform;

/**
 * A Spark column vector over a batch kept as dictionary ids ({@link DictionaryBatch}): nulls come
 * from the column's own Arrow vector (its validity is written as usual), row i's value is entry
 * {@code ids[i]} of the decoded dictionary, read on get, as Spark's own Parquet reader does. The
 * runtime checked every id against the dictionary's size when it unpacked it, so the loads here
 * need no bounds check. {@link #refresh()} after each batch caches the ids array and the
 * dictionary's buffer addresses; subclasses build per-dictionary caches when it changes.
 */
abstract class HomiDictionaryVector extends HomiColumnVector {
  private final DictionaryBatch batch;
  private int[] ids;

  /** The current column chunk's dictionary, a vector of the column's own Arrow type. */
  protected FieldVector dictionary;

  /** Address of the dictionary's data buffer. */
  protected long dict;

  HomiDictionaryVector(FieldVector vector, DictionaryBatch batch) {
    super(vector);
    this.batch = batch;
  }

  /**
   * A dictionary column vector for {@code v}'s type, or null where dictionaries cannot hold it
   * (booleans, nested).
   */
  static HomiDictionaryVector wrap(FieldVector v, DictionaryBatch b) {
    if (v instanceof TinyIntVector) return new HomiDictionaryVectors.Bytes(v, b);
    if (v instanceof SmallIntVector) return new HomiDictionaryVectors.Shorts(v, b);
    if (v instanceof IntVector || v instanceof DateDayVector)
      return new HomiDictionaryVectors.Ints(v, b);
    if (v instanceof BigIntVector
        || v instanceof TimeStampMicroTZVector
        || v instanceof TimeStampMicroVector) {
      return new HomiDictionaryVectors.Longs(v, b);
    }
    if (v instanceof Float4Vector) return new HomiDictionaryVectors.Floats(v, b);
    if (v instanceof Float8Vector) return new HomiDictionaryVectors.Doubles(v, b);
    if (v instanceof DecimalVector d) return new HomiDictionaryVectors.Decimals(d, b);
    if (v instanceof VarCharVector) return new HomiDictionaryVectors.Strings(v, b);
    if (v instanceof VarBinaryVector) return new HomiDictionaryVectors.Binaries(v, b);
    return null;
  }

  @Override
  final void refreshBuffers() {
    ids = batch.ids();
    FieldVector d = batch.dictionary();
    if (d != dictionary) {
      dictionary = d;
      newDictionary();
    }
    dict = d.getDataBuffer().memoryAddress();
  }

  /** Called when a batch brings another dictionary (a new column chunk). */
  void newDictionary() {}

  /** Row {@code rowId}'s dictionary id (0 for a null row). */
  protected final int id(int rowId) {
    return Platform.getInt(ids, Platform.INT_ARRAY_OFFSET + 4L * rowId);
  }
}
