package io.homi.runtime.parquet;

import java.nio.ByteBuffer;

/** Dictionary-encoded fixed-width values gathered into PLAIN layout. */
final class DictionaryFixedSource implements FixedSource {
  private final Dictionary dictionary;
  private final DictionaryIds ids;
  private final Scratch scratch = new Scratch();
  private int[] idx = new int[1024];
  private ByteBuffer out;

  DictionaryFixedSource(Dictionary dictionary, ByteBuffer data, String context) throws CorruptParquetException {
    this.ids = new DictionaryIds(dictionary, data, context);
    this.dictionary = dictionary;
  }

  @Override
  public int next(int count) throws CorruptParquetException {
    if (idx.length < count) idx = new int[count];
    ids.read(idx, count);
    int w = dictionary.width();
    ByteBuffer dict = dictionary.fixedData();
    out = scratch.ensure((long) count * w);
    switch (w) {
      case 4 -> {
        for (int i = 0; i < count; i++) out.putInt(4 * i, dict.getInt(4 * idx[i]));
      }
      case 8 -> {
        for (int i = 0; i < count; i++) out.putLong(8 * i, dict.getLong(8 * idx[i]));
      }
      default -> {
        for (int i = 0; i < count; i++) out.put(w * i, dict, w * idx[i], w);
      }
    }
    return 0;
  }

  @Override
  public ByteBuffer buffer() {
    return out;
  }
}
