package io.homi.runtime.mediator;

import java.util.Locale;

/**
 * Which path serves a validated command. {@code auto}: whatever the page cache already holds is
 * copied on the OS path without blocking; a cold remainder of at least {@code directMinBytes} that
 * O_DIRECT (or the block device) can serve goes there; anything else is a blocking OS read. A
 * command whose destination is device memory goes to the mediator's GPU path under {@code auto} and
 * {@code gpu} (cuFile where the platform supports it, pinned staging otherwise). A forced mode uses
 * its path only, and fails a command that path cannot serve rather than quietly taking another:
 * {@code os}, {@code direct} and {@code device} cannot write device memory ({@code passthrough}
 * neither), and {@code gpu} writes device memory only (and fails clearly without a usable GPU).
 */
public final class PathPolicy {
  public enum Mode {
    AUTO,
    OS,
    DIRECT,
    DEVICE,
    PASSTHROUGH,
    VF,
    GPU
  }

  private final Mode mode;
  private final long directMinBytes;

  public PathPolicy(Mode mode, long directMinBytes) {
    this.mode = mode;
    this.directMinBytes = directMinBytes;
  }

  public static Mode parseMode(String s) {
    try {
      return Mode.valueOf(s.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "homi.path must be one of auto, os, direct, device, passthrough, vf, gpu"
              + " (passthrough: NVMe Read commands through /dev/ngXnY; vf: NVMe Read commands on an"
              + " SR-IOV virtual function driven through VFIO; gpu: bytes into GPU memory through the mediator's"
              + " GPU path; each fails without its device): got '"
              + s
              + "'");
    }
  }

  public Mode mode() {
    return mode;
  }

  public long directMinBytes() {
    return directMinBytes;
  }
}
