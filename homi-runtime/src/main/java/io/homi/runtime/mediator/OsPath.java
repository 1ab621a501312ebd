package io.homi.runtime.mediator;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import io.homi.runtime.os.Libc;
import java.io.IOException;

/** Buffered pread through the page cache: the path that always works. */
public final class OsPath implements IoPath {
  private static final ThreadLocal<Memory> IOVEC = ThreadLocal.withInitial(() -> new Memory(16));
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
    } catch (LastErrorException e) {
      throw new IOException(
          "pread " + ns.path() + " at " + fileOffset + ": " + Libc.strerror(e.getErrorCode()), e);
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
      } catch (LastErrorException e) {
        if (e.getErrorCode() == Libc.EINTR) continue;
        if (e.getErrorCode() == EOPNOTSUPP || e.getErrorCode() == ENOSYS) nowaitSupported = false;
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
    Memory iov = IOVEC.get();
    long done = 0;
    while (done < length) {
      iov.setLong(0, address + done);
      iov.setLong(8, length - done);
      long n;
      try {
        n = Libc.preadv2(ns.file().fd(), Libc.address(iov), 1, fileOffset + done, Libc.RWF_NOWAIT);
      } catch (LastErrorException e) {
        if (e.getErrorCode() == Libc.EINTR) continue;
        // Only a kernel without the flag turns the probe off; any other error (EISDIR, EIO) is the
        // file's, and the blocking read that follows reports it.
        if (e.getErrorCode() == EOPNOTSUPP || e.getErrorCode() == ENOSYS) nowaitSupported = false;
        return done;
      }
      if (n <= 0) return done;
      done += n;
    }
    return done;
  }
}
