package io.homi.runtime.parquet.codec;

import java.nio.ByteBuffer;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4SafeDecompressor;

/** LZ4_RAW (lz4-java): one LZ4 block, decoded by the bounds-checking (safe) decompressor. */
final class Lz4RawCodec implements PageCodec {
  static final LZ4SafeDecompressor LZ4 = LZ4Factory.fastestInstance().safeDecompressor();

  @Override
  public int decompress(ByteBuffer src, ByteBuffer dst) {
    return LZ4.decompress(src, src.position(), src.remaining(), dst, 0, dst.limit());
  }
}
