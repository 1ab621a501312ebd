package io.homi.runtime.os;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;

/**
 * Tests that assert reads went through io_uring skip, with the kernel's reason, on a machine that
 * refuses io_uring (seccomp filters, {@code kernel.io_uring_disabled}); the fallback to the I/O
 * thread pool is tested on every machine.
 */
public final class IoUringSupport {
  private static final String UNAVAILABLE = probe();

  private IoUringSupport() {}

  @SuppressWarnings("try") // the ring is opened only to see whether the kernel allows it
  private static String probe() {
    try (IoUring ring = IoUring.open(2)) {
      return null;
    } catch (IOException e) {
      return e.getMessage();
    }
  }

  /** Skips the calling test where io_uring cannot be set up here. */
  public static void assumeAvailable() {
    assumeTrue(
        UNAVAILABLE == null, () -> "io_uring is unavailable on this machine: " + UNAVAILABLE);
  }
}
