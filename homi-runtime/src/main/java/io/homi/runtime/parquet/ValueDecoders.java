package io.homi.runtime.parquet;

import java.nio.ByteBuffer;
import org.apache.parquet.format.Encoding;

/**
 * Picks the decoder for a data page's value encoding and the column's kind; refuses what does not
 * fit.
 */
final class ValueDecoders {
  private ValueDecoders() {}

  /**
   * @param maxValues the page's value count (nulls included), which bounds what an encoding's own
   *     header may claim, so a corrupt count cannot drive a large allocation
   */
  static PageValues forPage(
      ColumnDescriptor col,
      Encoding e,
      ByteBuffer data,
      Dictionary dictionary,
      int maxValues,
      String context,
      String file)
      throws HomiParquetException {
    ValueKind k = col.kind();
    boolean fixed = k != ValueKind.BOOLEAN && !k.isByteArray();
    switch (e) {
      case PLAIN:
        if (k == ValueKind.BOOLEAN) return new BooleanPlainValues(data, context);
        if (k.isByteArray())
          return new ByteArrayValues(col, new PlainByteArrays(data, context), context);
        return new FixedValues(col, new PlainFixedSource(data, col.plainWidth(), context), context);
      case PLAIN_DICTIONARY:
      case RLE_DICTIONARY:
        if (k.isByteArray())
          return new ByteArrayValues(
              col, new DictionaryByteArrays(dictionary, data, context), context);
        if (fixed)
          return new FixedValues(
              col, new DictionaryFixedSource(dictionary, data, context), context);
        if (dictionary == null)
          throw new CorruptParquetException(
              context, "dictionary-encoded page without a dictionary page");
        break;
      case RLE:
        if (k == ValueKind.BOOLEAN) return new RleBooleanValues(data, context);
        break;
      case DELTA_BINARY_PACKED:
        if (col.physicalType() == org.apache.parquet.format.Type.INT32
            || col.physicalType() == org.apache.parquet.format.Type.INT64) {
          return new FixedValues(
              col, new DeltaFixedSource(data, col.plainWidth(), context), context);
        }
        break;
      case DELTA_LENGTH_BYTE_ARRAY:
        if (k.isByteArray())
          return new ByteArrayValues(
              col, new DeltaLengthByteArrays(data, 0, maxValues, context), context);
        break;
      case DELTA_BYTE_ARRAY:
        if (k.isByteArray()
            || col.physicalType() == org.apache.parquet.format.Type.FIXED_LEN_BYTE_ARRAY) {
          return new ByteArrayValues(col, new DeltaByteArrays(data, maxValues, context), context);
        }
        break;
      case BYTE_STREAM_SPLIT:
        if (fixed && col.physicalType() != org.apache.parquet.format.Type.INT96) {
          return new FixedValues(
              col, new ByteStreamSplitSource(data, col.plainWidth(), context), context);
        }
        break;
      default:
        throw new UnsupportedParquetException(
            "encoding " + e + " in column '" + col.name() + "'", file);
    }
    throw new CorruptParquetException(
        context, "encoding " + e + " cannot encode a " + col.physicalType() + " column");
  }
}
