package io.homi.runtime.parquet;

import java.io.InputStream;
import java.nio.ByteBuffer;

/**
 * An InputStream over a ByteBuffer that reports how far it read (Thrift headers have no length).
 */
final class ByteBufferInputStream extends InputStream {
  private final ByteBuffer buf;

  ByteBufferInputStream(ByteBuffer buf) {
    this.buf = buf;
  }

  int position() {
    return buf.position();
  }

  @Override
  public int read() {
    return buf.hasRemaining() ? buf.get() & 0xff : -1;
  }

  @Override
  public int read(byte[] b, int off, int len) {
    if (len == 0) return 0;
    if (!buf.hasRemaining()) return -1;
    int n = Math.min(len, buf.remaining());
    buf.get(b, off, n);
    return n;
  }

  @Override
  public int available() {
    return buf.remaining();
  }
}
