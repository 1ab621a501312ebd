package io.homi.runtime.parquet.codec;

import java.nio.ByteBuffer;
import org.apache.parquet.format.CompressionCodec;

/**
 * The codec for a column chunk, or null where none ships with Spark (the caller says so clearly).
 */
public final class Codecs {
  private Codecs() {}

  public static PageCodec forCodec(CompressionCodec c) {
    return switch (c) {
      case SNAPPY -> new SnappyCodec();
      case GZIP -> new GzipCodec();
      case ZSTD -> new ZstdCodec();
      case LZ4_RAW -> new Lz4RawCodec();
      case LZ4 -> new HadoopLz4Codec();
      default -> null; // BROTLI: no decoder ships with Spark 4.1; LZO: GPL, never shipped
    };
  }

  /** The native codecs need direct memory; pages normally already are (runtime buffers). */
  static ByteBuffer direct(ByteBuffer b) {
    if (b.isDirect()) return b;
    ByteBuffer d = ByteBuffer.allocateDirect(b.remaining());
    d.put(b.duplicate()).flip();
    return d;
  }
}
