package io.homi.runtime.parquet;

import java.nio.ByteBuffer;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.util.MemoryUtil;

/** Dictionary-encoded fixed-width values gathered into PLAIN layout. */
final class DictionaryFixedSource implements FixedSource {
  private final Dictionary dictionary;
  private final DictionaryIds ids;
  private final Scratch scratch = new Scratch();
  private int[] idx = new int[1024];
  private ByteBuffer out;

  DictionaryFixedSource(Dictionary dictionary, ByteBuffer data, String context)
      throws CorruptParquetException {
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

  /**
   * Gathers the next {@code count} 4- or 8-byte values straight into Arrow memory at {@code
   * byteOffset} of {@code out}: one pass and one bounds check for the run, where going through
   * {@link #next} would gather into scratch and copy again. Ids are checked on read.
   */
  void gatherInto(ArrowBuf out, long byteOffset, int count) throws CorruptParquetException {
    int w = dictionary.width();
    if (byteOffset < 0 || byteOffset + (long) count * w > out.capacity()) {
      throw new IndexOutOfBoundsException(
          byteOffset + " + " + count + " x " + w + " > " + out.capacity());
    }
    if (idx.length < count) idx = new int[count];
    ids.read(idx, count);
    long addr = out.memoryAddress() + byteOffset;
    if (w == 4) {
      int[] d = dictionary.ints();
      for (int i = 0; i < count; i++) MemoryUtil.putInt(addr + 4L * i, d[idx[i]]);
    } else {
      long[] d = dictionary.longs();
      for (int i = 0; i < count; i++) MemoryUtil.putLong(addr + 8L * i, d[idx[i]]);
    }
  }

  int width() {
    return dictionary.width();
  }

  @Override
  public ByteBuffer buffer() {
    return out;
  }
}
