package io.homi.spark;

import io.homi.runtime.parquet.DictionaryBatch;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.arrow.vector.FieldVector;
import org.apache.spark.sql.vectorized.ColumnVector;

/**
 * The lazy-dictionary side of one split's file columns (homi.lazyDictionary): for each flat column
 * of a type a dictionary can hold, a {@link DictionaryBatch} the runtime fills with ids and a
 * {@link HomiDictionaryVector} over it. After each batch, {@link #choose} puts into the batch's
 * slot the column vector matching the form the column took: ids, or values where the batch reached
 * a page without a dictionary.
 */
final class DictionaryColumns {
  private final boolean enabled;
  private final List<DictionaryBatch> batches =
      new ArrayList<>(); // one per file column, null where eager
  private final List<Slot> slots = new ArrayList<>();

  private record Slot(int index, DictionaryBatch batch, ColumnVector lazy, ColumnVector values) {}

  DictionaryColumns(boolean enabled) {
    this.enabled = enabled;
  }

  /**
   * Registers the next file column, its Arrow vector and its column vector over values; returns the
   * latter.
   */
  ColumnVector add(FieldVector v, ColumnVector values, int slot) {
    DictionaryBatch b = enabled ? new DictionaryBatch() : null;
    HomiDictionaryVector lazy = b == null ? null : HomiDictionaryVector.wrap(v, b);
    if (lazy == null) {
      batches.add(null);
    } else {
      batches.add(b);
      slots.add(new Slot(slot, b, lazy, values));
    }
    return values;
  }

  /** What to hand to RowGroupReader.read: one entry per file column, null where read eagerly. */
  List<DictionaryBatch> batches() {
    return Collections.unmodifiableList(batches);
  }

  /** Puts each lazy-capable column's vector for the batch just read into {@code out}. */
  void choose(ColumnVector[] out) {
    for (Slot s : slots) out[s.index] = s.batch.active() ? s.lazy : s.values;
  }
}
