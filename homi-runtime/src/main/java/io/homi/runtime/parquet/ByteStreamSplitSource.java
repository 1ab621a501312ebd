package io.homi.runtime.parquet;

import java.nio.ByteBuffer;

/**
 * BYTE_STREAM_SPLIT: byte k of every value lies in stream k, each stream as long as the page has
 * values. Gathered back into PLAIN layout; the page must hold a whole number of values.
 */
final class ByteStreamSplitSource implements FixedSource {
  private final ByteBuffer data;
  private final int width;
  private final int values;
  private final String context;
  private final Scratch scratch = new Scratch();
  private ByteBuffer out;
  private int next;

  ByteStreamSplitSource(ByteBuffer data, int width, String context) throws CorruptParquetException {
    if (width <= 0 || data.limit() % width != 0) {
      throw new CorruptParquetException(
          context,
          "BYTE_STREAM_SPLIT page of "
              + data.limit()
              + " bytes is not a multiple of the value width "
              + width);
    }
    this.data = data;
    this.width = width;
    this.values = data.limit() / width;
    this.context = context;
  }

  @Override
  public int next(int count) throws CorruptParquetException {
    if (count > values - next) {
      throw new CorruptParquetException(
          context,
          "BYTE_STREAM_SPLIT page holds " + values + " values, asked for " + (next + count));
    }
    out = scratch.ensure((long) count * width);
    for (int k = 0; k < width; k++) {
      int stream = k * values + next;
      for (int i = 0; i < count; i++) out.put(i * width + k, data.get(stream + i));
    }
    next += count;
    return 0;
  }

  @Override
  public ByteBuffer buffer() {
    return out;
  }
}
