package io.homi.runtime.control;

import io.homi.runtime.os.ErrnoException;
import io.homi.runtime.os.HostBuffer;
import io.homi.runtime.os.Libc;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * FS_IOC_FIEMAP through JNA: the file system's own answer to "where are bytes [start, end) of this
 * file". Asks in batches of {@link #BATCH} extents and continues after the last one returned until
 * an extent carries FIEMAP_EXTENT_LAST or the range is covered, so files with any number of extents
 * map completely. Extents are returned as the kernel gives them (unclipped); {@link ExtentMapper}
 * clips them and fills holes.
 */
public final class Fiemap {
  /** _IOWR('f', 11, struct fiemap): struct fiemap is 32 bytes. */
  public static final long FS_IOC_FIEMAP = 0xC020660BL;

  public static final int FLAG_SYNC = 0x1;
  static final int HEADER = 32;
  static final int EXTENT_SIZE = 56;
  static final int BATCH = 256;

  /** One fiemap_extent, byte units. */
  public record Raw(long logical, long physical, long length, int flags) {
    public long end() {
      return logical + length;
    }
  }

  /** FIEMAP refused by the file system (tmpfs, overlayfs, procfs...), with errno. */
  public static final class RefusedException extends IOException {
    private final int errno;

    RefusedException(String message, int errno) {
      super(message);
      this.errno = errno;
    }

    public int errno() {
      return errno;
    }
  }

  private Fiemap() {}

  /** Every extent overlapping [start, start+length); {@code sync} flushes dirty pages first. */
  public static List<Raw> query(int fd, long start, long length, boolean sync, String pathForErrors)
      throws RefusedException {
    List<Raw> out = new ArrayList<>();
    if (length <= 0) return out;
    long end = start + length;
    long next = start;
    int flags = sync ? FLAG_SYNC : 0;
    try (HostBuffer buf = new HostBuffer(HEADER + (long) BATCH * EXTENT_SIZE)) {
      while (next < end) {
        buf.clear();
        buf.putLong(0, next);
        buf.putLong(8, end - next);
        buf.putInt(16, flags);
        buf.putInt(24, BATCH);
        try {
          Libc.ioctl(fd, FS_IOC_FIEMAP, buf.address());
        } catch (ErrnoException e) {
          throw new RefusedException(
              "FIEMAP refused for " + pathForErrors + ": " + Libc.strerror(e.errno()), e.errno());
        }
        int mapped = buf.getInt(20);
        if (mapped <= 0) break; // the rest of the range is a hole
        boolean last = false;
        long prevNext = next;
        for (int i = 0; i < mapped; i++) {
          long o = HEADER + (long) i * EXTENT_SIZE;
          Raw r =
              new Raw(buf.getLong(o), buf.getLong(o + 8), buf.getLong(o + 16), buf.getInt(o + 40));
          out.add(r);
          next = Math.max(next, r.end());
          last |= (r.flags() & ExtentFlags.LAST) != 0;
        }
        // LAST ends the walk; so does a batch that did not advance (a defensive stop, never a
        // spin).
        if (last || next <= prevNext) break;
        flags &= ~FLAG_SYNC; // one flush is enough for the whole walk
      }
    }
    return out;
  }
}
