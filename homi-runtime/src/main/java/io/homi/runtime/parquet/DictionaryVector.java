package io.homi.runtime.parquet;

import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.FieldVector;

/**
 * A column chunk's {@link Dictionary} decoded into an Arrow vector of the column's type, entry i at
 * position i, through the same value writers as a PLAIN page, so each type conversion (INT96,
 * unsigned, decimals, millis) is written once. Built once per column chunk for lazy batches.
 */
final class DictionaryVector {
  private DictionaryVector() {}

  static FieldVector decode(
      ColumnDescriptor col, Dictionary dictionary, BufferAllocator allocator, String context)
      throws HomiParquetException {
    FieldVector v = col.arrowField().createVector(allocator);
    try {
      int size = dictionary.size();
      v.setInitialCapacity(Math.max(1, size));
      v.allocateNew();
      PageValues values =
          col.kind().isByteArray()
              ? new ByteArrayValues(col, new Entries(dictionary), context)
              : new FixedValues(
                  col,
                  new PlainFixedSource(dictionary.fixedData(), dictionary.width(), context),
                  context);
      values.read(v, 0, size);
      Validity.setRange(v, 0, size);
      v.setValueCount(size);
      return v;
    } catch (HomiParquetException | RuntimeException e) {
      v.close();
      throw e;
    }
  }

  /** The packed byte-array entries in order. */
  private static final class Entries extends ByteArraySource {
    private final Dictionary dictionary;
    private int next;

    Entries(Dictionary dictionary) {
      this.dictionary = dictionary;
      this.buf = dictionary.bytes();
    }

    @Override
    int next() {
      off = dictionary.offset(next);
      return dictionary.offset(++next) - off;
    }
  }
}
