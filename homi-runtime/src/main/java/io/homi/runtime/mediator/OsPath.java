package io.homi.runtime.mediator;

import io.homi.runtime.os.ErrnoException;
import io.homi.runtime.os.HostBuffer;
import io.homi.runtime.os.Libc;
import java.io.IOException;

/** Buffered pread through the page cache: the path that always works. */
public final class OsPath implements IoPath {
  private static final ThreadLocal<HostBuffer> IOVEC =
      ThreadLocal.withInitial(() -> new HostBuffer(16));
  private static final int EOPNOTSUPP = 95;
  private static final int ENOSYS = 38;
  private volatile boolean nowaitSupported = true;

  @Override
  public PathKind kind() {
    return PathKind.OS;
  }

  @Override
  public long read(Namespace ns, long fileOffset, long address, long length) throws IOException {
    try {
      return Libc.preadFully(ns.file().fd(), address, length, fileOffset);
    } catch (ErrnoException e) {
      throw new IOException(
          "pread " + ns.path() + " at " + fileOffset + ": " + Libc.strerror(e.errno()), e);
    }
  }

  /**
   * One {@code preadv2(RWF_NOWAIT)} of {@code iovcnt} iovecs at {@code iov} (file-contiguous from
   * {@code fileOffset}, scattered in memory): what the page cache holds from there on, in one
   * system call for several commands. Returns bytes copied; 0 on any error or a miss.
   */
  public long readCachedVector(Namespace ns, long fileOffset, long iov, int iovcnt) {
    if (!nowaitSupported) return 0;
    while (true) {
      try {
        return Math.max(0, Libc.preadv2(ns.file().fd(), iov, iovcnt, fileOffset, Libc.RWF_NOWAIT));
      } catch (ErrnoException e) {
        if (e.errno() == Libc.EINTR) continue;
        if (e.errno() == EOPNOTSUPP || e.errno() == ENOSYS) nowaitSupported = false;
        return 0;
      }
    }
  }

  /**
   * Copies what the page cache already holds, without blocking on the device (preadv2 with
   * RWF_NOWAIT); returns bytes copied, 0 when nothing was cached or the kernel lacks the flag. The
   * policy uses it to serve warm data on this path and send the rest elsewhere.
   */
  public long readCached(Namespace ns, long fileOffset, long address, long length) {
    if (!nowaitSupported) return 0;
    HostBuffer iov = IOVEC.get();
    long done = 0;
    while (done < length) {
      iov.putLong(0, address + done);
      iov.putLong(8, length - done);
      long n;
      try {
        n = Libc.preadv2(ns.file().fd(), iov.address(), 1, fileOffset + done, Libc.RWF_NOWAIT);
      } catch (ErrnoException e) {
        if (e.errno() == Libc.EINTR) continue;
        // Only a kernel without the flag turns the probe off; any other error (EISDIR, EIO) is the
        // file's, and the blocking read that follows reports it.
        if (e.errno() == EOPNOTSUPP || e.errno() == ENOSYS) nowaitSupported = false;
        return done;
      }
      if (n <= 0) return done;
      done += n;
    }
    return done;
  }
}
