package io.homi.runtime.os;

import java.io.IOException;

/**
 * What a grant and a cache entry are keyed by: a file is "the same file" only while device, inode,
 * size, modification and change times all match. Read with statx, which has one layout on every
 * architecture.
 */
public record FileIdentity(long dev, long ino, long size, long mtimeNanos, long ctimeNanos) {
  private static final int STATX_SIZE = 256;

  public static FileIdentity of(int fd, String pathForErrors) throws IOException {
    try (HostBuffer buf = new HostBuffer(STATX_SIZE)) {
      buf.clear();
      try {
        Libc.statx(fd, "", Libc.AT_EMPTY_PATH, Libc.STATX_BASIC_STATS, buf.address());
      } catch (RuntimeException e) {
        throw new IOException(
            "statx failed for " + pathForErrors + ": " + Libc.strerror(Libc.errno(e)), e);
      }
      long ino = buf.getLong(32);
      long size = buf.getLong(40);
      long ctime = buf.getLong(96) * 1_000_000_000L + (buf.getInt(104) & 0xffffffffL);
      long mtime = buf.getLong(112) * 1_000_000_000L + (buf.getInt(120) & 0xffffffffL);
      int devMajor = buf.getInt(136);
      int devMinor = buf.getInt(140);
      return new FileIdentity(makedev(devMajor, devMinor), ino, size, mtime, ctime);
    }
  }

  /** glibc's makedev encoding, so values match stat(2)'s st_dev. */
  public static long makedev(int major, int minor) {
    long maj = major & 0xffffffffL;
    long min = minor & 0xffffffffL;
    return ((maj & 0xfffff000L) << 32)
        | ((maj & 0xfffL) << 8)
        | ((min & 0xffffff00L) << 12)
        | (min & 0xffL);
  }

  public int devMajor() {
    return (int) (((dev >>> 32) & 0xfffff000L) | ((dev >>> 8) & 0xfffL));
  }

  public int devMinor() {
    return (int) (((dev >>> 12) & 0xffffff00L) | (dev & 0xffL));
  }
}
