package io.homi.runtime.parquet;

import org.apache.arrow.vector.FieldVector;

/** The non-null values of one data page, written in order into an Arrow vector. */
interface PageValues {
  /** Writes the next {@code count} values to positions [dst, dst+count) of {@code v}. */
  void read(FieldVector v, int dst, int count) throws HomiParquetException;
}
