package io.homi.runtime.parquet;

import org.apache.arrow.vector.FieldVector;

/** Decodes one top-level column of a row group, batch by batch. */
interface ColumnReader {
  /** Decodes the next {@code n} rows into positions [dst, dst+n) of {@code v}. */
  void read(FieldVector v, int dst, int n) throws HomiParquetException;
}
