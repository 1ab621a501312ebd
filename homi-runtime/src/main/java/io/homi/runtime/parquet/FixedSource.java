package io.homi.runtime.parquet;

import java.nio.ByteBuffer;

/**
 * A page's fixed-width values in some encoding, handed out in PLAIN layout (little endian, the
 * column's width) so that {@link FixedWriter} converts them whatever the encoding was.
 */
interface FixedSource {
  /**
   * Makes the next {@code count} values readable in {@link #buffer()}; returns where they start.
   */
  int next(int count) throws HomiParquetException;

  ByteBuffer buffer();
}
