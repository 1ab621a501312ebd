package io.homi.runtime.parquet.codec;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * LZ4 as parquet-java writes it (Hadoop's Lz4Codec framing): blocks of a big-endian uncompressed
 * length, then chunks of a big-endian compressed length and an LZ4 block, until that length is
 * produced. Raw LZ4 without the framing fails here, as it does in Spark's reader.
 */
final class HadoopLz4Codec implements PageCodec {
  @Override
  public int decompress(ByteBuffer src, ByteBuffer dst) throws IOException {
    ByteBuffer in = src.slice().order(ByteOrder.BIG_ENDIAN);
    int p = 0;
    int out = 0;
    while (p < in.limit()) {
      if (in.limit() - p < 4)
        throw new IOException("LZ4 (Hadoop framing): block header past the end at byte " + p);
      int blockLen = in.getInt(p);
      p += 4;
      if (blockLen < 0 || blockLen > dst.limit() - out) {
        throw new IOException(
            "LZ4 (Hadoop framing): block of "
                + blockLen
                + " bytes at byte "
                + (p - 4)
                + " exceeds the page's "
                + dst.limit()
                + " bytes");
      }
      int blockEnd = out + blockLen;
      while (out < blockEnd) {
        if (in.limit() - p < 4)
          throw new IOException("LZ4 (Hadoop framing): chunk header past the end at byte " + p);
        int chunk = in.getInt(p);
        p += 4;
        if (chunk <= 0 || chunk > in.limit() - p) {
          throw new IOException(
              "LZ4 (Hadoop framing): chunk of " + chunk + " bytes at byte " + (p - 4));
        }
        out += Lz4RawCodec.LZ4.decompress(in, p, chunk, dst, out, blockEnd - out);
        p += chunk;
      }
    }
    return out;
  }
}
