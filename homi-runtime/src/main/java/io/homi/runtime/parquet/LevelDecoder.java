package io.homi.runtime.parquet;

/** Repetition or definition levels of one data page, in whichever encoding the page uses. */
interface LevelDecoder {
  /** Fills out[off, off+n) with the next n levels. */
  void readInts(int[] out, int off, int n) throws CorruptParquetException;
}
