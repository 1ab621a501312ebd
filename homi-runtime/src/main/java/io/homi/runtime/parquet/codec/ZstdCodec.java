package io.homi.runtime.parquet.codec;

import com.github.luben.zstd.Zstd;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * ZSTD (zstd-jni): one or more frames into a bounded direct buffer; zstd reports overflow itself.
 */
final class ZstdCodec implements PageCodec {
  @Override
  public int decompress(ByteBuffer src, ByteBuffer dst) throws IOException {
    ByteBuffer in = Codecs.direct(src);
    long n =
        Zstd.decompressDirectByteBuffer(dst, 0, dst.limit(), in, in.position(), in.remaining());
    if (Zstd.isError(n)) throw new IOException("zstd: " + Zstd.getErrorName(n));
    return (int) n;
  }
}
