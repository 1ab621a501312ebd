package io.homi.runtime.parquet;

import org.apache.arrow.vector.FieldVector;

/**
 * One flat column's batch kept as dictionary ids instead of values, for callers that decode on get
 * (the Spark connector's dictionary column vectors). The caller hands one to {@link
 * RowGroupReader#read(java.util.List, java.util.List, int, int)} per column and reuses it.
 *
 * <p>After a read, {@link #active()} says which form the batch took. Active: row i's value is entry
 * {@code ids()[i]} of {@link #dictionary()}; the column's own vector holds only the validity (its
 * data buffers are not written); null rows hold id 0. Inactive: the batch touched a page that is
 * not dictionary-encoded (parquet-java falls back to PLAIN when a dictionary grows too big), or the
 * column cannot be held as ids, and the values were written into the column's vector as usual.
 * Every id was checked against the dictionary's size when it was unpacked, so a reader may index
 * the dictionary without a bounds check.
 */
public final class DictionaryBatch {
  private int[] ids = new int[0];
  private boolean active;
  private FieldVector dictionary;

  /**
   * True when this batch holds ids into {@link #dictionary()} rather than values in the column's
   * vector.
   */
  public boolean active() {
    return active;
  }

  /**
   * Row i's dictionary id at index i (rows of the batch only; beyond them the array holds stale
   * ids).
   */
  public int[] ids() {
    return ids;
  }

  /**
   * The column chunk's dictionary decoded once into a vector of the column's own Arrow type, entry
   * i at position i (at least one position allocated, so id 0 of a null row is readable). Owned by
   * the row group reader: valid until the next batch is read or the row group is closed.
   */
  public FieldVector dictionary() {
    return dictionary;
  }

  /** Starts a batch of rows [0, end) held as ids. */
  void start(int end) {
    if (ids.length < end) ids = new int[Math.max(end, 1024)];
    active = true;
    dictionary = null;
  }

  /** The batch is (now) materialized in the column's vector. */
  void deactivate() {
    active = false;
    dictionary = null;
  }

  void dictionary(FieldVector d) {
    this.dictionary = d;
  }
}
