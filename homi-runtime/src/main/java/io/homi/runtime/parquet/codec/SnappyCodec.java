package io.homi.runtime.parquet.codec;

import java.io.IOException;
import java.nio.ByteBuffer;
import org.xerial.snappy.Snappy;

/** SNAPPY (snappy-java): the raw format's own length header is checked before decompressing. */
final class SnappyCodec implements PageCodec {
  @Override
  public int decompress(ByteBuffer src, ByteBuffer dst) throws IOException {
    ByteBuffer in = Codecs.direct(src);
    int declared = Snappy.uncompressedLength(in);
    if (declared != dst.limit()) {
      throw new IOException(
          "snappy data holds " + declared + " bytes but the page header says " + dst.limit());
    }
    return Snappy.uncompress(in, dst);
  }
}
