package io.homi.runtime.mediator;

import java.util.Locale;

/**
 * Which path serves a validated command. {@code auto}: whatever the page cache already holds is
 * copied on the OS path without blocking; a cold remainder of at least {@code directMinBytes}
 * that O_DIRECT can serve goes to the Direct path; anything else is a blocking OS read.
 * A forced mode uses its path only, and fails a command that path cannot serve rather than
 * quietly taking another.
 */
public final class PathPolicy {
  public enum Mode { AUTO, OS, DIRECT, DEVICE }

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
      throw new IllegalArgumentException("homi.path must be one of auto, os, direct, device (gpu output is not"
          + " available in the reader yet): got '" + s + "'");
    }
  }

  public Mode mode() {
    return mode;
  }

  public long directMinBytes() {
    return directMinBytes;
  }
}
