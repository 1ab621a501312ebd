package io.homi.runtime.parquet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.zip.GZIPOutputStream;
import org.apache.parquet.format.CompressionCodec;
import org.junit.jupiter.api.Test;
import org.xerial.snappy.Snappy;

/**
 * Page size limits are checked before any allocation, and codecs must produce exactly the declared
 * size.
 */
class PageDecompressorTest {
  private static final byte[] DATA = new byte[10_000];

  static {
    for (int i = 0; i < DATA.length; i++) DATA[i] = (byte) (i * 31 % 17);
  }

  private static byte[] bytes(ByteBuffer b) {
    byte[] out = new byte[b.remaining()];
    b.duplicate().get(out);
    return out;
  }

  @Test
  void declaredSizeAboveTheLimitIsRefusedBeforeDecoding() throws Exception {
    PageDecompressor d = new PageDecompressor(CompressionCodec.SNAPPY, 4096, "f.parquet");
    assertThatThrownBy(() -> d.decompress(ByteBuffer.wrap(Snappy.compress(DATA)), DATA.length, "c"))
        .isInstanceOf(CorruptParquetException.class)
        .hasMessageContaining("f.parquet")
        .hasMessageContaining("column 'c'")
        .hasMessageContaining("homi.maxPageBytes");
    assertThatThrownBy(() -> d.decompress(ByteBuffer.allocate(4), -1, "c"))
        .isInstanceOf(CorruptParquetException.class);
    assertThatThrownBy(() -> d.decompress(ByteBuffer.allocate(4), Integer.MAX_VALUE, "c"))
        .isInstanceOf(CorruptParquetException.class);
  }

  @Test
  void snappyRoundTripAndWrongDeclaredSizes() throws Exception {
    PageDecompressor d = new PageDecompressor(CompressionCodec.SNAPPY, 1 << 20, "f.parquet");
    byte[] c = Snappy.compress(DATA);
    assertThat(bytes(d.decompress(ByteBuffer.wrap(c), DATA.length, "c"))).containsExactly(DATA);
    assertThatThrownBy(() -> d.decompress(ByteBuffer.wrap(c), DATA.length - 1, "c"))
        .isInstanceOf(CorruptParquetException.class);
    assertThatThrownBy(() -> d.decompress(ByteBuffer.wrap(c), DATA.length + 1, "c"))
        .isInstanceOf(CorruptParquetException.class);
    byte[] garbage = {(byte) 0xff, (byte) 0xff, (byte) 0xff, 0x7f, 1, 2, 3};
    assertThatThrownBy(() -> d.decompress(ByteBuffer.wrap(garbage), 100, "c"))
        .isInstanceOf(CorruptParquetException.class)
        .hasMessageContaining("SNAPPY");
  }

  @Test
  void gzipWithConcatenatedMembers() throws Exception {
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    for (int part = 0; part < 2; part++) {
      ByteArrayOutputStream one = new ByteArrayOutputStream();
      try (GZIPOutputStream z = new GZIPOutputStream(one)) {
        z.write(DATA, part * 5000, 5000);
      }
      all.write(one.toByteArray());
    }
    PageDecompressor d = new PageDecompressor(CompressionCodec.GZIP, 1 << 20, "f.parquet");
    assertThat(bytes(d.decompress(ByteBuffer.wrap(all.toByteArray()), DATA.length, "c")))
        .containsExactly(DATA);
  }

  @Test
  void uncompressedPagesMustHoldTheirDeclaredSize() throws Exception {
    PageDecompressor d = new PageDecompressor(CompressionCodec.UNCOMPRESSED, 1 << 20, "f.parquet");
    assertThat(bytes(d.decompress(ByteBuffer.wrap(DATA), DATA.length, "c"))).containsExactly(DATA);
    assertThatThrownBy(() -> d.decompress(ByteBuffer.wrap(DATA), DATA.length + 8, "c"))
        .isInstanceOf(CorruptParquetException.class)
        .hasMessageContaining("holds " + DATA.length);
  }

  @Test
  void codecsSparkCannotReadAreUnsupported() {
    assertThatThrownBy(() -> new PageDecompressor(CompressionCodec.BROTLI, 1 << 20, "f.parquet"))
        .isInstanceOf(UnsupportedParquetException.class)
        .hasMessageContaining("BROTLI");
    assertThatThrownBy(() -> new PageDecompressor(CompressionCodec.LZO, 1 << 20, "f.parquet"))
        .isInstanceOf(UnsupportedParquetException.class)
        .hasMessageContaining("LZO");
  }
}
