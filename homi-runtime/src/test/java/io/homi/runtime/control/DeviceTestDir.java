package io.homi.runtime.control;

import java.nio.file.Path;

/**
 * Where tests put files that must live on a block device they can read by LBA. {@code bin/test}
 * mounts a loop-device ext4 (scripts/loop-ext4.sh) and names it in {@value #ENV} (or {@code
 * -Dhomi.test.deviceDir}); without it, files go under target/ on the checkout's own file system,
 * whose device is usually not openable, so the device tests skip there.
 */
public final class DeviceTestDir {
  public static final String ENV = "HOMI_DEVICE_TEST_DIR";
  public static final String PROPERTY = "homi.test.deviceDir";

  private DeviceTestDir() {}

  /** The configured directory on a loop/NVMe-backed ext4, or null when none was set up. */
  public static Path configured() {
    String d = System.getProperty(PROPERTY, System.getenv(ENV));
    return d == null || d.isBlank() ? null : Path.of(d).toAbsolutePath();
  }

  /** The configured directory, or target/ under the working directory. */
  public static Path root() {
    Path d = configured();
    return d != null ? d : Path.of("target");
  }

  /**
   * Whether the device tests must run rather than skip: someone set up a device for them, so a
   * device that still cannot be read is a failure, not an environment to skip.
   */
  public static boolean required() {
    return configured() != null;
  }

  /** What to add to a skip or failure message: which directory was used and how to get a device. */
  public static String hint() {
    Path d = configured();
    return d != null
        ? " (" + ENV + "=" + d + ")"
        : " (set "
            + ENV
            + " to a directory on a readable block device: bin/test mounts one with scripts/loop-ext4.sh)";
  }
}
