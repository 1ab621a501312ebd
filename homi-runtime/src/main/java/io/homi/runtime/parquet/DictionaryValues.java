package io.homi.runtime.parquet;

import java.nio.ByteBuffer;
import org.apache.arrow.vector.FieldVector;

/** RLE_DICTIONARY / PLAIN_DICTIONARY data: a bit width byte, then hybrid-encoded indices. */
final class DictionaryValues implements PageValues {
  private final Dictionary dictionary;
  private final RleBitPackedDecoder ids;
  private final String context;
  private int[] scratch = new int[1024];

  DictionaryValues(Dictionary dictionary, ByteBuffer data, String context) throws CorruptParquetException {
    if (dictionary == null) throw new CorruptParquetException(context, "dictionary-encoded page without a dictionary page");
    this.dictionary = dictionary;
    this.context = context;
    if (data.limit() == 0) {
      this.ids = new RleBitPackedDecoder(data, 0, 0, 0, context); // an all-null page stores no ids
    } else {
      int bitWidth = data.get(0) & 0xff;
      if (bitWidth > 32) throw new CorruptParquetException(context, "dictionary index bit width " + bitWidth);
      this.ids = new RleBitPackedDecoder(data, 1, data.limit(), bitWidth, context);
    }
  }

  @Override
  public void read(FieldVector v, int dst, int count) throws HomiParquetException {
    if (scratch.length < count) scratch = new int[Math.max(count, scratch.length * 2)];
    ids.readInts(scratch, 0, count);
    dictionary.write(v, dst, scratch, 0, count, context);
  }
}
