package io.homi.runtime.parquet.codec;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * One compression codec's decompressor, backed by a library Spark ships. Decompresses all of {@code
 * src} (position to limit) into {@code dst} (position 0, limit = the page's declared uncompressed
 * size, direct) and returns the bytes produced; it must never write past the limit and must fail,
 * not truncate, when the data holds more than that.
 */
public interface PageCodec {
  int decompress(ByteBuffer src, ByteBuffer dst) throws IOException;
}
