package io.homi.runtime.mediator;

import io.homi.runtime.os.ErrnoException;
import io.homi.runtime.os.Libc;
import java.io.IOException;

/**
 * O_DIRECT reads on the file: the user-space managed path. Offsets, addresses and lengths must be 4
 * KiB aligned (namespaces use 4 KiB blocks, buffers are page aligned); the mediator's I/O threads
 * keep many of these in flight to fill the device.
 */
public final class DirectPath implements IoPath {
  private static final long ALIGN = Namespace.LBA_SIZE;

  @Override
  public PathKind kind() {
    return PathKind.DIRECT;
  }

  @Override
  public boolean canServe(Namespace ns, long fileOffset, long address, long length) {
    return ((fileOffset | address | length) & (ALIGN - 1)) == 0 && ns.file().directFd() >= 0;
  }

  @Override
  public long read(Namespace ns, long fileOffset, long address, long length) throws IOException {
    int fd = ns.file().directFd();
    if (fd < 0) throw new IOException("O_DIRECT is refused for " + ns.path());
    try {
      return Libc.preadFully(fd, address, length, fileOffset);
    } catch (ErrnoException e) {
      throw new IOException(
          "O_DIRECT pread " + ns.path() + " at " + fileOffset + ": " + Libc.strerror(e.errno()), e);
    }
  }
}
