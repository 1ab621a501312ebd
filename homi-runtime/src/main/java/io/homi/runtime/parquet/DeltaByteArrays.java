package io.homi.runtime.parquet;

import java.nio.ByteBuffer;

/**
 * DELTA_BYTE_ARRAY (incremental encoding): prefix lengths (DELTA_BINARY_PACKED), then the suffixes
 * as DELTA_LENGTH_BYTE_ARRAY; each value is the previous value's prefix + its suffix.
 */
final class DeltaByteArrays extends ByteArraySource {
  private final int[] prefixes;
  private final DeltaLengthByteArrays suffixes;
  private final String context;
  private byte[] value = new byte[64];
  private int valueLen;
  private int next;

  DeltaByteArrays(ByteBuffer data, int maxValues, String context) throws CorruptParquetException {
    DeltaBinaryPackedDecoder d = new DeltaBinaryPackedDecoder(data, 0, data.limit(), context);
    this.prefixes = d.readAllInts(maxValues);
    this.suffixes = new DeltaLengthByteArrays(data, d.position(), maxValues, context);
    this.context = context;
    this.buf = ByteBuffer.wrap(value);
  }

  @Override
  int next() throws CorruptParquetException {
    if (next >= prefixes.length)
      throw new CorruptParquetException(
          context, "DELTA_BYTE_ARRAY holds only " + prefixes.length + " values");
    int prefix = prefixes[next++];
    if (prefix > valueLen) {
      throw new CorruptParquetException(
          context,
          "DELTA_BYTE_ARRAY prefix "
              + prefix
              + " longer than the previous value ("
              + valueLen
              + " bytes)");
    }
    int slen = suffixes.next();
    int len = prefix + slen;
    if (len > value.length) {
      byte[] bigger = new byte[Math.max(len, value.length * 2)];
      System.arraycopy(value, 0, bigger, 0, prefix);
      value = bigger;
      buf = ByteBuffer.wrap(value);
    }
    suffixes.buf.get(suffixes.off, value, prefix, slen);
    valueLen = len;
    off = 0;
    return len;
  }
}
