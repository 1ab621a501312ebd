package io.homi.runtime.parquet;

import java.nio.ByteBuffer;

/** Dictionary-encoded byte arrays: each index points at an entry of the packed dictionary. */
final class DictionaryByteArrays extends ByteArraySource {
  private final Dictionary dictionary;
  private final DictionaryIds ids;
  private int[] batch = new int[1024];
  private int have;
  private int next;

  DictionaryByteArrays(Dictionary dictionary, ByteBuffer data, String context)
      throws CorruptParquetException {
    this.ids = new DictionaryIds(dictionary, data, context);
    this.dictionary = dictionary;
    this.buf = dictionary.bytes();
  }

  @Override
  void prepare(int count) throws CorruptParquetException {
    // Exactly the indices of this run: reading ahead could run past the last index stored.
    if (batch.length < count) batch = new int[count];
    ids.read(batch, count);
    have = count;
    next = 0;
  }

  @Override
  int next() {
    int id = batch[next++];
    off = dictionary.offset(id);
    return dictionary.offset(id + 1) - off;
  }
}
