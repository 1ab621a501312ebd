package io.homi.runtime.os;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A file opened read-only for HOMI: its descriptor (and an O_DIRECT one on demand) and the identity
 * it had when opened. Closing releases both descriptors.
 */
public final class OpenFile implements AutoCloseable {
  private final String path;
  private final int fd;
  private final FileIdentity identity;
  private volatile int directFd = -1;
  private volatile boolean closed;

  private OpenFile(String path, int fd, FileIdentity identity) {
    this.path = path;
    this.fd = fd;
    this.identity = identity;
  }

  public static OpenFile open(Path file) throws IOException {
    String p = file.toAbsolutePath().toString();
    int fd;
    try {
      fd = Libc.open(p, Libc.O_RDONLY | Libc.O_CLOEXEC);
    } catch (RuntimeException e) {
      throw new IOException("cannot open " + p + ": " + Libc.strerror(Libc.errno(e)), e);
    }
    try {
      return new OpenFile(p, fd, FileIdentity.of(fd, p));
    } catch (IOException | RuntimeException e) {
      Libc.close(fd);
      throw e;
    }
  }

  public String path() {
    return path;
  }

  public int fd() {
    return fd;
  }

  public FileIdentity identity() {
    return identity;
  }

  public long size() {
    return identity.size();
  }

  /** The identity now, to detect a file changed underneath a scan. */
  public FileIdentity currentIdentity() throws IOException {
    return FileIdentity.of(fd, path);
  }

  /** A second descriptor opened with O_DIRECT, or -1 where the file system refuses it. */
  public synchronized int directFd() {
    if (directFd == -1 && !closed) {
      try {
        directFd = Libc.open(path, Libc.O_RDONLY | Libc.O_DIRECT | Libc.O_CLOEXEC);
      } catch (RuntimeException e) {
        directFd = -2; // refused (tmpfs, some overlays): remember, do not retry per command
      }
    }
    return directFd;
  }

  @Override
  public synchronized void close() {
    if (closed) return;
    closed = true;
    Libc.close(fd);
    if (directFd >= 0) Libc.close(directFd);
  }
}
