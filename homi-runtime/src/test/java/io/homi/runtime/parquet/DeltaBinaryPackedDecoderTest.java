package io.homi.runtime.parquet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.Random;
import org.apache.parquet.bytes.HeapByteBufferAllocator;
import org.apache.parquet.column.values.delta.DeltaBinaryPackingValuesWriterForInteger;
import org.apache.parquet.column.values.delta.DeltaBinaryPackingValuesWriterForLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** DELTA_BINARY_PACKED against parquet-java's writers (INT32 and INT64) and corrupt headers. */
class DeltaBinaryPackedDecoderTest {
  @ParameterizedTest(name = "{0} values")
  @ValueSource(ints = {0, 1, 2, 127, 128, 129, 1000, 4099})
  void longsAsParquetJavaWritesThem(int count) throws Exception {
    Random r = new Random(count);
    long[] values = new long[count];
    for (int i = 0; i < count; i++) {
      values[i] =
          switch (i % 5) {
            case 0 -> Long.MAX_VALUE - r.nextInt(3); // deltas that overflow 64 bits
            case 1 -> Long.MIN_VALUE + r.nextInt(3);
            case 2 -> i;
            default -> r.nextLong() >> r.nextInt(60);
          };
    }
    DeltaBinaryPackingValuesWriterForLong w =
        new DeltaBinaryPackingValuesWriterForLong(
            128, 4, 64, 1 << 20, new HeapByteBufferAllocator());
    for (long v : values) w.writeLong(v);
    byte[] bytes = bytesOf(w.getBytes());
    DeltaBinaryPackedDecoder d =
        new DeltaBinaryPackedDecoder(ByteBuffer.wrap(bytes), 0, bytes.length, "test");
    assertThat(d.total()).isEqualTo(count);
    long[] out = new long[count];
    int at = 0;
    while (at < count) {
      int n = Math.min(at % 7 + 50, count - at);
      d.readLongs(out, at, n);
      at += n;
    }
    assertThat(out).containsExactly(values);
    assertThat(d.position()).isLessThanOrEqualTo(bytes.length);
  }

  @Test
  void intsAsParquetJavaWritesThem() throws Exception {
    Random r = new Random(7);
    int[] values = new int[3001];
    for (int i = 0; i < values.length; i++)
      values[i] =
          i % 3 == 0 ? Integer.MIN_VALUE + i : i % 3 == 1 ? Integer.MAX_VALUE - i : r.nextInt();
    DeltaBinaryPackingValuesWriterForInteger w =
        new DeltaBinaryPackingValuesWriterForInteger(
            128, 4, 64, 1 << 20, new HeapByteBufferAllocator());
    for (int v : values) w.writeInteger(v);
    byte[] bytes = bytesOf(w.getBytes());
    DeltaBinaryPackedDecoder d =
        new DeltaBinaryPackedDecoder(ByteBuffer.wrap(bytes), 0, bytes.length, "test");
    long[] out = new long[values.length];
    d.readLongs(out, 0, values.length);
    for (int i = 0; i < values.length; i++)
      assertThat((int) out[i]).as("value %d", i).isEqualTo(values[i]);
  }

  @Test
  void corruptHeadersAndTruncatedBlocksAreRefused() throws Exception {
    // block size 100 is not a multiple of 128
    byte[] badBlock = {100, 4, 1, 0};
    assertThatThrownBy(
            () ->
                new DeltaBinaryPackedDecoder(
                    ByteBuffer.wrap(badBlock), 0, badBlock.length, "f.parquet"))
        .isInstanceOf(CorruptParquetException.class)
        .hasMessageContaining("block size");
    // a header that ends before its varints do
    byte[] cut = {(byte) 0x80};
    assertThatThrownBy(() -> new DeltaBinaryPackedDecoder(ByteBuffer.wrap(cut), 0, 1, "f"))
        .isInstanceOf(CorruptParquetException.class);
    // a valid stream of 1000 values cut in the middle of its blocks
    DeltaBinaryPackingValuesWriterForLong w =
        new DeltaBinaryPackingValuesWriterForLong(
            128, 4, 64, 1 << 20, new HeapByteBufferAllocator());
    Random r = new Random(1);
    for (int i = 0; i < 1000; i++) w.writeLong(r.nextLong());
    byte[] bytes = bytesOf(w.getBytes());
    DeltaBinaryPackedDecoder d =
        new DeltaBinaryPackedDecoder(ByteBuffer.wrap(bytes), 0, bytes.length / 2, "f");
    assertThatThrownBy(() -> d.readLongs(new long[1000], 0, 1000))
        .isInstanceOf(CorruptParquetException.class);
  }

  @Test
  void widthsOfUnneededMiniblocksMayHoldAnythingButAUsedOneMayNot() throws Exception {
    // 10 values: the block's first miniblock holds the 9 deltas, the other three are unneeded,
    // and the spec says readers must accept any width there (parquet-java and the GPU kernel do)
    long[] values = {5, -3, 1L << 40, 7, 7, 8, -1L << 50, 0, 42, 9};
    DeltaBinaryPackingValuesWriterForLong w =
        new DeltaBinaryPackingValuesWriterForLong(
            128, 4, 64, 1 << 20, new HeapByteBufferAllocator());
    for (long v : values) w.writeLong(v);
    byte[] bytes = bytesOf(w.getBytes());
    int widths = skipVarints(bytes, 0, 5); // block size, miniblocks, count, first value, min delta
    for (int i = 1; i < 4; i++) bytes[widths + i] = (byte) 200;
    DeltaBinaryPackedDecoder d =
        new DeltaBinaryPackedDecoder(ByteBuffer.wrap(bytes), 0, bytes.length, "f.parquet");
    long[] out = new long[values.length];
    d.readLongs(out, 0, values.length);
    assertThat(out).containsExactly(values);

    bytes[widths] = 65; // the miniblock the deltas are in
    DeltaBinaryPackedDecoder bad =
        new DeltaBinaryPackedDecoder(ByteBuffer.wrap(bytes), 0, bytes.length, "f.parquet");
    assertThatThrownBy(() -> bad.readLongs(new long[values.length], 0, values.length))
        .isInstanceOf(CorruptParquetException.class)
        .hasMessageContaining("f.parquet")
        .hasMessageContaining("bit width 65");
  }

  /** Where the byte after {@code n} unsigned varints starting at {@code at} is. */
  private static int skipVarints(byte[] b, int at, int n) {
    for (int i = 0; i < n; i++) while ((b[at++] & 0x80) != 0) {}
    return at;
  }

  /** The encoded bytes (parquet's BytesInput.toByteArray is deprecated). */
  private static byte[] bytesOf(org.apache.parquet.bytes.BytesInput b) throws java.io.IOException {
    java.io.ByteArrayOutputStream o = new java.io.ByteArrayOutputStream();
    b.writeAllTo(o);
    return o.toByteArray();
  }
}
