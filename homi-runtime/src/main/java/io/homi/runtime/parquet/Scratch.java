package io.homi.runtime.parquet;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** A growable little-endian heap buffer that decoders fill before {@link FixedWriter} reads it. */
final class Scratch {
  private ByteBuffer buf = ByteBuffer.allocate(0).order(ByteOrder.LITTLE_ENDIAN);

  /**
   * A buffer of at least {@code bytes}; the caller bounds {@code bytes} by the values a page holds.
   */
  ByteBuffer ensure(long bytes) {
    if (bytes > Integer.MAX_VALUE - 16)
      throw new IllegalArgumentException(bytes + " scratch bytes");
    if (buf.capacity() < bytes) {
      buf =
          ByteBuffer.allocate(
                  (int) Math.max(bytes, Math.min(Integer.MAX_VALUE - 16L, 2L * buf.capacity())))
              .order(ByteOrder.LITTLE_ENDIAN);
    }
    return buf;
  }
}
