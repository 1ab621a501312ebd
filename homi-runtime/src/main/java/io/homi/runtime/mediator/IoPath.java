package io.homi.runtime.mediator;

import java.io.IOException;

/** One way of moving a namespace's bytes into memory. Implementations are thread-safe. */
public interface IoPath {
  PathKind kind();

  /**
   * Reads up to {@code length} bytes at {@code fileOffset} into {@code address}; returns the bytes
   * read, fewer only at end of file.
   */
  long read(Namespace ns, long fileOffset, long address, long length) throws IOException;

  /** Whether this path can serve this command at all (alignment, descriptors, grants). */
  default boolean canServe(Namespace ns, long fileOffset, long address, long length) {
    return true;
  }
}
