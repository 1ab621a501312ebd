package io.homi.runtime.parquet.codec;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.zip.GZIPInputStream;

/**
 * GZIP (the JDK's zlib): GZIPInputStream reads concatenated members as one stream, as
 * parquet-java's Hadoop codec does. Output is read into the page buffer only up to its size.
 */
final class GzipCodec implements PageCodec {
  private byte[] in = new byte[0];
  private byte[] out = new byte[0];

  @Override
  public int decompress(ByteBuffer src, ByteBuffer dst) throws IOException {
    int n = src.remaining();
    if (in.length < n) in = new byte[n];
    src.duplicate().get(in, 0, n);
    int want = dst.limit();
    if (out.length < want) out = new byte[want];
    try (InputStream z = new GZIPInputStream(new ByteArrayInputStream(in, 0, n), 64 * 1024)) {
      int got = z.readNBytes(out, 0, want);
      if (got == want && z.read() != -1)
        throw new IOException("gzip data holds more than the page's " + want + " bytes");
      dst.put(0, out, 0, got);
      return got;
    }
  }
}
