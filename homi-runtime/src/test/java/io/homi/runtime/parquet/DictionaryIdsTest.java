package io.homi.runtime.parquet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.parquet.format.Type;
import org.junit.jupiter.api.Test;

/**
 * Dictionary indices are checked against the dictionary's size; dictionaries against their page.
 */
class DictionaryIdsTest {
  private static final ColumnDescriptor INT32 =
      new ColumnDescriptor(0, "c", Type.INT32, 0, ValueKind.INT32, new ArrowType.Int(32, true), 1);

  private static Dictionary threeInts() throws Exception {
    ByteBuffer page =
        ByteBuffer.allocate(12)
            .order(ByteOrder.LITTLE_ENDIAN)
            .putInt(0, 10)
            .putInt(4, 20)
            .putInt(8, 30);
    return Dictionary.decode(page, 3, INT32, "f.parquet");
  }

  @Test
  void indicesInsideTheDictionaryDecode() throws Exception {
    // bit width 2; bit-packed run of one group: 0,1,2,2,1,0,0,0 -> bytes 0b10_10_01_00,
    // 0b00_00_00_01
    byte[] data = {2, 0x03, (byte) 0xA4, 0x01};
    DictionaryFixedSource s =
        new DictionaryFixedSource(threeInts(), ByteBuffer.wrap(data), "f.parquet");
    int at = s.next(8);
    ByteBuffer b = s.buffer().order(ByteOrder.LITTLE_ENDIAN);
    int[] got = new int[8];
    for (int i = 0; i < 8; i++) got[i] = b.getInt(at + 4 * i);
    assertThat(got).containsExactly(10, 20, 30, 30, 20, 10, 10, 10);
  }

  @Test
  void anIndexPastTheDictionaryIsCorrupt() throws Exception {
    byte[] data = {2, 0x04, 0x03}; // RLE run of two 3s in a dictionary of 3
    DictionaryIds ids = new DictionaryIds(threeInts(), ByteBuffer.wrap(data), "f.parquet");
    assertThatThrownBy(() -> ids.read(new int[2], 2))
        .isInstanceOf(CorruptParquetException.class)
        .hasMessageContaining("dictionary index 3 outside a dictionary of 3")
        .hasMessageContaining("f.parquet");
  }

  @Test
  void badBitWidthsMissingDictionariesAndShortPages() throws Exception {
    assertThatThrownBy(
            () -> new DictionaryIds(threeInts(), ByteBuffer.wrap(new byte[] {33, 0}), "f"))
        .isInstanceOf(CorruptParquetException.class)
        .hasMessageContaining("bit width 33");
    assertThatThrownBy(() -> new DictionaryIds(null, ByteBuffer.wrap(new byte[] {1, 2}), "f"))
        .isInstanceOf(CorruptParquetException.class)
        .hasMessageContaining("without a dictionary page");
    assertThatThrownBy(() -> Dictionary.decode(ByteBuffer.allocate(8), 3, INT32, "f"))
        .isInstanceOf(CorruptParquetException.class)
        .hasMessageContaining("needs 12 bytes");
    assertThatThrownBy(() -> Dictionary.decode(ByteBuffer.allocate(8), -1, INT32, "f"))
        .isInstanceOf(CorruptParquetException.class);
  }
}
