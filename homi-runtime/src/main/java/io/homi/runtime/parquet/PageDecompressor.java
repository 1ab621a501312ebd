package io.homi.runtime.parquet;

import io.homi.runtime.parquet.codec.Codecs;
import io.homi.runtime.parquet.codec.PageCodec;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.apache.parquet.format.CompressionCodec;

/**
 * Decompresses page bodies with the codec libraries Spark ships. Owns one growable direct buffer,
 * so a page stays valid until the next call. The declared uncompressed size is checked against a
 * limit before any allocation it would drive, and the codec must produce exactly it.
 */
final class PageDecompressor {
  private final CompressionCodec codec;
  private final PageCodec impl;
  private final long maxPageBytes;
  private final String file;
  private ByteBuffer scratch;

  PageDecompressor(CompressionCodec codec, long maxPageBytes, String file)
      throws UnsupportedParquetException {
    this.impl = codec == CompressionCodec.UNCOMPRESSED ? null : Codecs.forCodec(codec);
    if (codec != CompressionCodec.UNCOMPRESSED && impl == null) {
      String why =
          codec == CompressionCodec.BROTLI
              ? " (no Brotli decoder ships with Spark, whose reader fails on it too)"
              : codec == CompressionCodec.LZO ? " (no LZO decoder ships with Spark)" : "";
      throw new UnsupportedParquetException("compression codec " + codec + why, file);
    }
    this.codec = codec;
    this.maxPageBytes = maxPageBytes;
    this.file = file;
  }

  /** The page's uncompressed bytes (a view of {@code compressed} when there is no codec). */
  ByteBuffer decompress(ByteBuffer compressed, int uncompressedSize, String column)
      throws HomiParquetException {
    if (uncompressedSize < 0 || uncompressedSize > maxPageBytes) {
      throw new CorruptParquetException(
          file,
          "column '"
              + column
              + "': uncompressed page size "
              + uncompressedSize
              + " outside [0, "
              + maxPageBytes
              + "] (homi.maxPageBytes)");
    }
    if (codec == CompressionCodec.UNCOMPRESSED) {
      if (compressed.remaining() != uncompressedSize) {
        throw new CorruptParquetException(
            file,
            "column '"
                + column
                + "': uncompressed page declares "
                + uncompressedSize
                + " bytes but holds "
                + compressed.remaining());
      }
      return compressed.slice().order(ByteOrder.LITTLE_ENDIAN);
    }
    if (uncompressedSize == 0 && compressed.remaining() == 0)
      return compressed.slice(); // empty page, no codec frame
    ByteBuffer out = scratch(uncompressedSize);
    int n;
    try {
      n = impl.decompress(compressed.duplicate(), out);
    } catch (Exception e) { // IOException and the codecs' own runtime exceptions on corrupt input
      throw new CorruptParquetException(
          file,
          "column '"
              + column
              + "': "
              + codec
              + " page cannot be decompressed ("
              + e.getMessage()
              + ")",
          e);
    }
    if (n != uncompressedSize) {
      throw new CorruptParquetException(
          file,
          "column '"
              + column
              + "': "
              + codec
              + " page decompressed to "
              + n
              + " bytes, the page header says "
              + uncompressedSize);
    }
    return out.slice(0, n).order(ByteOrder.LITTLE_ENDIAN);
  }

  private ByteBuffer scratch(int size) {
    if (scratch == null || scratch.capacity() < size) {
      scratch = ByteBuffer.allocateDirect(Math.max(size, 64 * 1024));
    }
    scratch.clear();
    scratch.limit(size);
    return scratch;
  }
}
