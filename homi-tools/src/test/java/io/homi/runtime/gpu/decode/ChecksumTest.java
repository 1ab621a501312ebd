package io.homi.runtime.gpu.decode;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.BitVector;
import org.apache.arrow.vector.DecimalVector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VarCharVector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The anchor's checksum: homi's Arrow vectors and cuDF's host buffers of the same values give the
 * same number (types widened the way the two readers differ: decimals of 4/8/16 bytes, booleans as
 * bits vs bytes), and a different value, null or row order gives another.
 */
class ChecksumTest {
  private final BufferAllocator alloc = new RootAllocator();

  @AfterEach
  void close() {
    alloc.close();
  }

  private static byte[] bytes(ArrowBuf b, long n) {
    byte[] a = new byte[(int) n];
    b.getBytes(0, a);
    return a;
  }

  /** The validity bitmap of 3 rows, the middle one null: cuDF's layout is Arrow's, LSB first. */
  private static final byte[] MIDDLE_NULL = {0b101};

  @Test
  void intsEqualAcrossWidthsAndDecimals() {
    try (IntVector v = new IntVector("i", alloc);
        DecimalVector dec = new DecimalVector("d", alloc, 38, 2)) {
      v.allocateNew(3);
      v.set(0, 1);
      v.setNull(1);
      v.set(2, -5);
      v.setValueCount(3);
      dec.allocateNew(3);
      dec.set(0, BigDecimal.valueOf(1, 2));
      dec.setNull(1);
      dec.set(2, BigDecimal.valueOf(-5, 2));
      dec.setValueCount(3);
      Checksum.Column homi = Checksum.of(v);
      assertThat(homi.nulls()).isEqualTo(1);
      // cuDF's INT32 from the same buffers
      Long cudfInt =
          Checksum.ofBuffers(
              "INT32", 4, 3, bytes(v.getValidityBuffer(), 1), null, bytes(v.getDataBuffer(), 12));
      assertThat(cudfInt).isEqualTo(homi.value());
      // homi's Decimal128 of unscaled 1 / -5 equals cuDF's DECIMAL32 and DECIMAL64 of them
      // (sign-extended)
      assertThat(Checksum.of(dec).value()).isEqualTo(homi.value());
      byte[] d64 = new byte[24];
      java.nio.ByteBuffer.wrap(d64)
          .order(java.nio.ByteOrder.LITTLE_ENDIAN)
          .putLong(0, 1)
          .putLong(16, -5);
      assertThat(Checksum.ofBuffers("DECIMAL64", 8, 3, MIDDLE_NULL, null, d64))
          .isEqualTo(homi.value());
      // another value, no null, or another order: another checksum
      assertThat(
              Checksum.ofBuffers(
                  "INT32",
                  4,
                  3,
                  MIDDLE_NULL,
                  null,
                  new byte[] {1, 0, 0, 0, 0, 0, 0, 0, -6, -1, -1, -1}))
          .isNotEqualTo(homi.value());
      assertThat(Checksum.ofBuffers("INT32", 4, 3, null, null, bytes(v.getDataBuffer(), 12)))
          .isNotEqualTo(homi.value());
      assertThat(
              Checksum.ofBuffers(
                  "INT32",
                  4,
                  3,
                  MIDDLE_NULL,
                  null,
                  new byte[] {-5, -1, -1, -1, 0, 0, 0, 0, 1, 0, 0, 0}))
          .isNotEqualTo(homi.value());
    }
  }

  @Test
  void longsAndTimestampsEqual() {
    try (BigIntVector v = new BigIntVector("l", alloc)) {
      v.allocateNew(3);
      v.set(0, Long.MIN_VALUE);
      v.setNull(1);
      v.set(2, Long.MAX_VALUE);
      v.setValueCount(3);
      // TIMESTAMP_MICROSECONDS / INT64 / FLOAT64 bits: 8 bytes either way
      assertThat(
              Checksum.ofBuffers(
                  "TIMESTAMP_MICROSECONDS",
                  8,
                  3,
                  bytes(v.getValidityBuffer(), 1),
                  null,
                  bytes(v.getDataBuffer(), 24)))
          .isEqualTo(Checksum.of(v).value());
    }
  }

  @Test
  void booleansBitsEqualBool8Bytes() {
    try (BitVector v = new BitVector("b", alloc)) {
      v.allocateNew(3);
      v.set(0, 1);
      v.setNull(1);
      v.set(2, 0);
      v.setValueCount(3);
      assertThat(Checksum.ofBuffers("BOOL8", 1, 3, MIDDLE_NULL, null, new byte[] {1, 7, 0}))
          .isEqualTo(Checksum.of(v).value());
      assertThat(Checksum.ofBuffers("BOOL8", 1, 3, MIDDLE_NULL, null, new byte[] {0, 0, 0}))
          .isNotEqualTo(Checksum.of(v).value());
    }
  }

  @Test
  void stringsEqualAndSensitiveToBytes() {
    try (VarCharVector v = new VarCharVector("s", alloc)) {
      v.allocateNew(4);
      v.set(0, "ab".getBytes(StandardCharsets.UTF_8));
      v.setNull(1);
      v.set(2, new byte[0]);
      v.set(3, "é".getBytes(StandardCharsets.UTF_8));
      v.setValueCount(4);
      byte[] validity = bytes(v.getValidityBuffer(), 1);
      byte[] offsets = bytes(v.getOffsetBuffer(), 20);
      byte[] data = bytes(v.getDataBuffer(), 4);
      Checksum.Column homi = Checksum.of(v);
      assertThat(homi.nulls()).isEqualTo(1);
      assertThat(Checksum.ofBuffers("STRING", 0, 4, validity, offsets, data))
          .isEqualTo(homi.value());
      data[1] = 'c';
      assertThat(Checksum.ofBuffers("STRING", 0, 4, validity, offsets, data))
          .isNotEqualTo(homi.value());
    }
  }

  @Test
  void nestedKindsAreNotChecksummed() {
    assertThat(Checksum.ofBuffers("LIST", 0, 3, null, null, null)).isNull();
    assertThat(Checksum.ofBuffers("DECIMAL128", 12, 1, null, null, new byte[12])).isNull();
  }
}
