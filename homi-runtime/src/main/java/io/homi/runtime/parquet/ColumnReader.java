package io.homi.runtime.parquet;

import org.apache.arrow.vector.FieldVector;

/** Decodes one top-level column of a row group, batch by batch. */
interface ColumnReader extends AutoCloseable {
  /** Decodes the next {@code n} rows into positions [dst, dst+n) of {@code v}. */
  void read(FieldVector v, int dst, int n) throws HomiParquetException;

  /**
   * As {@link #read(FieldVector, int, int)}, keeping dictionary ids in {@code lazy} where the
   * reader can (see {@link DictionaryBatch}); readers that cannot leave it inactive.
   */
  default void read(FieldVector v, int dst, int n, DictionaryBatch lazy)
      throws HomiParquetException {
    if (lazy != null) lazy.deactivate();
    read(v, dst, n);
  }

  @Override
  default void close() {}
}
