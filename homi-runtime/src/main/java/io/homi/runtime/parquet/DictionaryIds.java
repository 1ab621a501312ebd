package io.homi.runtime.parquet;

import java.nio.ByteBuffer;

/**
 * RLE_DICTIONARY / PLAIN_DICTIONARY page data: a bit width byte, then hybrid-encoded indices, each
 * checked.
 */
final class DictionaryIds {
  private final RleBitPackedDecoder ids;
  private final int size;
  private final String context;

  DictionaryIds(Dictionary dictionary, ByteBuffer data, String context)
      throws CorruptParquetException {
    if (dictionary == null)
      throw new CorruptParquetException(
          context, "dictionary-encoded page without a dictionary page");
    this.size = dictionary.size();
    this.context = context;
    if (data.limit() == 0) {
      this.ids = new RleBitPackedDecoder(data, 0, 0, 0, context); // an all-null page stores no ids
    } else {
      int bitWidth = data.get(0) & 0xff;
      if (bitWidth > 32)
        throw new CorruptParquetException(context, "dictionary index bit width " + bitWidth);
      this.ids = new RleBitPackedDecoder(data, 1, data.limit(), bitWidth, context);
    }
  }

  void read(int[] out, int count) throws CorruptParquetException {
    read(out, 0, count);
  }

  /**
   * The next {@code count} ids into {@code out[at, at+count)}, each checked against the
   * dictionary's size.
   */
  void read(int[] out, int at, int count) throws CorruptParquetException {
    ids.readInts(out, at, count);
    // Branch-free: an id outside [0, size) makes id or (size - 1 - id) negative; one test per run.
    int last = size - 1;
    int bad = 0;
    for (int i = at; i < at + count; i++) bad |= out[i] | (last - out[i]);
    if (bad >= 0) return;
    for (int i = at; i < at + count; i++) {
      if (out[i] < 0 || out[i] >= size) {
        throw new CorruptParquetException(
            context, "dictionary index " + out[i] + " outside a dictionary of " + size);
      }
    }
  }
}
