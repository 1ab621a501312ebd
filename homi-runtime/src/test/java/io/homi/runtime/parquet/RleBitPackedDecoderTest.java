package io.homi.runtime.parquet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.Random;
import org.apache.parquet.bytes.HeapByteBufferAllocator;
import org.apache.parquet.column.values.rle.RunLengthBitPackingHybridEncoder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The RLE / bit-packed hybrid against parquet-java's encoder and hand-built runs. */
class RleBitPackedDecoderTest {
  static byte[] encode(int bitWidth, int[] values) throws Exception {
    RunLengthBitPackingHybridEncoder e =
        new RunLengthBitPackingHybridEncoder(bitWidth, 64, 1 << 20, new HeapByteBufferAllocator());
    for (int v : values) e.writeInt(v);
    return bytesOf(e.toBytes());
  }

  @ParameterizedTest(name = "bit width {0}")
  @ValueSource(ints = {1, 2, 3, 5, 8, 13, 17, 24, 31, 32})
  void decodesWhatParquetJavaEncodes(int bitWidth) throws Exception {
    Random r = new Random(bitWidth);
    int[] values = new int[10_007];
    long max = bitWidth == 32 ? 0xffffffffL : (1L << bitWidth) - 1;
    for (int i = 0; i < values.length; i++) {
      // Long runs (RLE), short ones and noise (bit-packed groups), including the maximum value.
      int phase = (i / 500) % 3;
      values[i] =
          phase == 0
              ? (int) max
              : phase == 1 ? (int) ((i / 37) % (max + 1)) : (int) (r.nextLong() & max);
    }
    byte[] bytes = encode(bitWidth, values);
    RleBitPackedDecoder d =
        new RleBitPackedDecoder(ByteBuffer.wrap(bytes), 0, bytes.length, bitWidth, "test");
    int[] out = new int[values.length];
    // Uneven reads cross run and group boundaries.
    int at = 0;
    int step = 1;
    while (at < out.length) {
      int n = Math.min(step, out.length - at);
      d.readInts(out, at, n);
      at += n;
      step = step * 3 % 97 + 1;
    }
    assertThat(out).containsExactly(values);
  }

  @Test
  void handBuiltRuns() throws Exception {
    // RLE run: header (3 << 1) = 6, value 5 in one byte; then a bit-packed run of one group of
    // 0..7 at width 3 (the format spec's example bytes 0x88 0xC6 0xFA).
    byte[] b = {0x06, 0x05, 0x03, (byte) 0x88, (byte) 0xC6, (byte) 0xFA};
    RleBitPackedDecoder d = new RleBitPackedDecoder(ByteBuffer.wrap(b), 0, b.length, 3, "test");
    int[] out = new int[11];
    d.readInts(out, 0, 11);
    assertThat(out).containsExactly(5, 5, 5, 0, 1, 2, 3, 4, 5, 6, 7);
  }

  @Test
  void aLastGroupWithoutItsPaddingStillReads() throws Exception {
    // Two groups at width 8 declared, the second holding 1 value and written without its padding.
    byte[] b = {0x05, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    int[] out = new int[9];
    new RleBitPackedDecoder(ByteBuffer.wrap(b), 0, b.length, 8, "test").readInts(out, 0, 9);
    assertThat(out).containsExactly(1, 2, 3, 4, 5, 6, 7, 8, 9);
  }

  @Test
  void bitWidthZeroIsAllZeros() throws Exception {
    RleBitPackedDecoder d = new RleBitPackedDecoder(ByteBuffer.allocate(0), 0, 0, 0, "test");
    int[] out = {9, 9, 9};
    d.readInts(out, 0, 3);
    assertThat(out).containsExactly(0, 0, 0);
  }

  @Test
  void corruptRunsAreRefused() {
    // RLE value 9 wider than 3 bits
    byte[] wide = {0x04, 0x09};
    assertThatThrownBy(
            () ->
                new RleBitPackedDecoder(ByteBuffer.wrap(wide), 0, 2, 3, "f.parquet")
                    .readInts(new int[2], 0, 2))
        .isInstanceOf(CorruptParquetException.class)
        .hasMessageContaining("wider than 3 bits")
        .hasMessageContaining("f.parquet");
    // a run that needs more values than the data holds
    byte[] shortRun = {0x04, 0x01};
    assertThatThrownBy(
            () ->
                new RleBitPackedDecoder(ByteBuffer.wrap(shortRun), 0, 2, 1, "f")
                    .readInts(new int[3], 0, 3))
        .isInstanceOf(CorruptParquetException.class)
        .hasMessageContaining("past the end");
    // a zero-length RLE run
    byte[] zero = {0x00, 0x01};
    assertThatThrownBy(
            () ->
                new RleBitPackedDecoder(ByteBuffer.wrap(zero), 0, 2, 1, "f")
                    .readInts(new int[1], 0, 1))
        .isInstanceOf(CorruptParquetException.class)
        .hasMessageContaining("RLE run of 0");
    // a varint header longer than 5 bytes
    byte[] longVarint = {(byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x01};
    assertThatThrownBy(
            () ->
                new RleBitPackedDecoder(ByteBuffer.wrap(longVarint), 0, 6, 1, "f")
                    .readInts(new int[1], 0, 1))
        .isInstanceOf(CorruptParquetException.class);
    // a bit-packed run declaring more groups than its bytes hold (issue 22: one damaged header
    // byte, 0x15 -> 0xff, turned a 10-group run into 2,111 groups), even where the values asked
    // for would fit: the values after the header would be read shifted
    byte[] longRun = {
      (byte) 0xff, 0x20, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x11, 0x22, 0x33
    };
    assertThatThrownBy(
            () ->
                new RleBitPackedDecoder(ByteBuffer.wrap(longRun), 0, longRun.length, 5, "f")
                    .readInts(new int[8], 0, 8))
        .isInstanceOf(CorruptParquetException.class)
        .hasMessageContaining("bit-packed run of 2111 groups")
        .hasMessageContaining("only 10 bytes remain");
    // reads stay inside [start, end): the run value lies past the end given
    byte[] outside = {0x02, 0x01};
    assertThatThrownBy(
            () ->
                new RleBitPackedDecoder(ByteBuffer.wrap(outside), 0, 1, 1, "f")
                    .readInts(new int[1], 0, 1))
        .isInstanceOf(CorruptParquetException.class);
  }

  /** The encoded bytes (parquet's BytesInput.toByteArray is deprecated). */
  private static byte[] bytesOf(org.apache.parquet.bytes.BytesInput b) throws java.io.IOException {
    java.io.ByteArrayOutputStream o = new java.io.ByteArrayOutputStream();
    b.writeAllTo(o);
    return o.toByteArray();
  }
}
