package io.homi.runtime.parquet;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.apache.parquet.format.CompressionCodec;
import org.xerial.snappy.Snappy;

/**
 * Decompresses page bodies with the codec libraries Spark ships. Owns one growable direct
 * buffer, so a page stays valid until the next call. The declared uncompressed size is checked
 * against a limit and the codec's own header before any allocation it would drive.
 */
final class PageDecompressor {
  private final CompressionCodec codec;
  private final long maxPageBytes;
  private final String file;
  private ByteBuffer scratch;

  PageDecompressor(CompressionCodec codec, long maxPageBytes, String file) throws UnsupportedParquetException {
    if (codec != CompressionCodec.UNCOMPRESSED && codec != CompressionCodec.SNAPPY) {
      throw new UnsupportedParquetException("compression codec " + codec, file);
    }
    this.codec = codec;
    this.maxPageBytes = maxPageBytes;
    this.file = file;
  }

  /** The page's uncompressed bytes (a view of {@code compressed} when there is no codec). */
  ByteBuffer decompress(ByteBuffer compressed, int uncompressedSize, String column) throws HomiParquetException {
    if (uncompressedSize < 0 || uncompressedSize > maxPageBytes) {
      throw new CorruptParquetException(file, "column '" + column + "': uncompressed page size " + uncompressedSize
          + " outside [0, " + maxPageBytes + "] (homi.maxPageBytes)");
    }
    if (codec == CompressionCodec.UNCOMPRESSED) {
      if (compressed.remaining() != uncompressedSize) {
        throw new CorruptParquetException(file, "column '" + column + "': uncompressed page declares "
            + uncompressedSize + " bytes but holds " + compressed.remaining());
      }
      return compressed.slice().order(ByteOrder.LITTLE_ENDIAN);
    }
    try {
      int declared = Snappy.uncompressedLength(compressed);
      if (declared != uncompressedSize) {
        throw new CorruptParquetException(file, "column '" + column + "': snappy data holds " + declared
            + " bytes but the page header says " + uncompressedSize);
      }
      ByteBuffer out = scratch(uncompressedSize);
      int n = Snappy.uncompress(compressed, out);
      if (n != uncompressedSize) {
        throw new CorruptParquetException(file, "column '" + column + "': snappy page decompressed to " + n
            + " bytes, expected " + uncompressedSize);
      }
      return out.slice(0, n).order(ByteOrder.LITTLE_ENDIAN);
    } catch (IOException e) {
      if (e instanceof HomiParquetException h) throw h;
      throw new CorruptParquetException(file, "column '" + column + "': snappy page cannot be decompressed ("
          + e.getMessage() + ")", e);
    }
  }

  private ByteBuffer scratch(int size) {
    if (scratch == null || scratch.capacity() < size) {
      scratch = ByteBuffer.allocateDirect(Math.max(size, 64 * 1024));
    }
    scratch.clear();
    return scratch;
  }
}
