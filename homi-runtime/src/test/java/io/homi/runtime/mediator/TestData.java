package io.homi.runtime.mediator;

import io.homi.runtime.os.HostBuffer;
import io.homi.runtime.os.OpenFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Files whose every 8-byte word is a function of its offset, so any misplaced byte is caught. */
public final class TestData {
  private TestData() {}

  public static long word(long offset) {
    long x = (offset + 0x1234567L) * 0x9E3779B97F4A7C15L;
    return x ^ (x >>> 29);
  }

  public static byte byteAt(long offset) {
    long w = word(offset & ~7L);
    return (byte) (w >>> (8 * (offset & 7)));
  }

  /** Creates (or reuses, when already of that size) a pattern file under target/. */
  public static Path file(String name, long size) throws IOException {
    return file(Path.of("target", "homi-test-data"), name, size);
  }

  /** Creates (or reuses, when already of that size) a pattern file in {@code dir}. */
  public static Path file(Path dir, String name, long size) throws IOException {
    Files.createDirectories(dir);
    Path p = dir.resolve(name);
    if (Files.exists(p) && Files.size(p) == size) return p;
    try (FileChannel ch =
        FileChannel.open(
            p,
            StandardOpenOption.CREATE,
            StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING)) {
      ByteBuffer b = ByteBuffer.allocateDirect(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
      for (long at = 0; at < size; at += b.capacity()) {
        b.clear();
        for (int i = 0; i < b.capacity(); i += 8) b.putLong(i, word(at + i));
        b.limit((int) Math.min(b.capacity(), size - at));
        while (b.hasRemaining()) ch.write(b, at + b.position());
      }
    }
    return p;
  }

  /**
   * Index of the first byte of {@code buf[off, off+len)} that differs from the file bytes at {@code
   * fileOffset} (bytes at or past {@code fileSize} must be zero), or -1.
   */
  public static long firstMismatch(
      ByteBuffer buf, int off, int len, long fileOffset, long fileSize) {
    for (int i = 0; i < len; i++) {
      long fo = fileOffset + i;
      byte want = fo < fileSize ? byteAt(fo) : 0;
      if (buf.get(off + i) != want) return i;
    }
    return -1;
  }

  /** Fast check for word-aligned reads wholly inside the file. */
  public static boolean matchesWords(ByteBuffer buf, int off, int len, long fileOffset) {
    for (int i = 0; i < len; i += 8) {
      if (buf.getLong(off + i) != word(fileOffset + i)) return false;
    }
    return true;
  }

  /** A registered, page-aligned buffer filled with 0xAA so untouched bytes show. */
  public static HostBuffer buffer(BufferRegistry reg, long bytes) {
    HostBuffer b = new HostBuffer(bytes);
    ByteBuffer v = b.view(0, (int) bytes);
    for (int i = 0; i < bytes; i++) v.put(i, (byte) 0xAA);
    reg.register(b.address(), bytes);
    return b;
  }

  public static OpenFile open(Path p) throws IOException {
    return OpenFile.open(p);
  }
}
