package io.homi.runtime.parquet;

import java.nio.ByteBuffer;

/** DELTA_BINARY_PACKED INT32/INT64 values, decoded to PLAIN layout in a scratch buffer. */
final class DeltaFixedSource implements FixedSource {
  private final DeltaBinaryPackedDecoder decoder;
  private final int width;
  private final Scratch scratch = new Scratch();
  private long[] values = new long[0];
  private ByteBuffer out;

  DeltaFixedSource(ByteBuffer data, int width, String context) throws CorruptParquetException {
    this.decoder = new DeltaBinaryPackedDecoder(data, 0, data.limit(), context);
    this.width = width;
  }

  @Override
  public int next(int count) throws CorruptParquetException {
    if (values.length < count) values = new long[count];
    decoder.readLongs(values, 0, count); // checks count against the stored total first
    out = scratch.ensure((long) count * width);
    if (width == 4) {
      for (int i = 0; i < count; i++) out.putInt(4 * i, (int) values[i]);
    } else {
      for (int i = 0; i < count; i++) out.putLong(8 * i, values[i]);
    }
    return 0;
  }

  @Override
  public ByteBuffer buffer() {
    return out;
  }
}
