package io.homi.runtime.parquet;

import java.nio.ByteBuffer;

/**
 * A page's byte array values one at a time, in any encoding: {@link #next()} returns the next
 * value's length and points {@link #buf}/{@link #off} at its bytes (valid until the next call).
 */
abstract class ByteArraySource {
  ByteBuffer buf;
  int off;

  /** Announces that the next {@code count} values are about to be read. */
  void prepare(int count) throws HomiParquetException {}

  abstract int next() throws HomiParquetException;
}
