package io.homi.runtime.os;

/**
 * A libc call failed with {@link #errno()}: what {@link Libc} throws in place of JNA's {@code
 * LastErrorException}, so that code outside the native boundary classes never names a JNA type. The
 * message is the one JNA gave (errno and its text).
 */
public final class ErrnoException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int errno;

  public ErrnoException(int errno, String message, Throwable cause) {
    super(message, cause);
    this.errno = errno;
  }

  /** The errno the call set (EINTR, EAGAIN, ENOENT, ...). */
  public int errno() {
    return errno;
  }
}
