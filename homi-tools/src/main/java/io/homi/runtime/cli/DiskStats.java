package io.homi.runtime.cli;

import io.homi.runtime.os.FileIdentity;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What the disk under a file saw during a phase, from its {@code /sys/dev/block/M:m/stat} counters:
 * reads the device completed, their mean size (after the block layer's merges) and the mean number
 * of reads in flight (read ticks over wall time, as iostat's aqu-sz). It tells whether a queue
 * depth asked for is the one the disk got. {@link #sample} returns null where the counters cannot
 * be read (no such file, a device of another kind).
 */
record DiskStats(long reads, long sectors, long readTicksMs, long nanos) {
  static DiskStats sample(FileIdentity id) {
    Path p = Path.of("/sys/dev/block/" + id.devMajor() + ":" + id.devMinor() + "/stat");
    try {
      String[] f = Files.readString(p).trim().split("\\s+");
      return new DiskStats(
          Long.parseLong(f[0]), Long.parseLong(f[2]), Long.parseLong(f[3]), System.nanoTime());
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /**
   * "qd Q, R KiB": mean reads in flight and mean read size between {@code before} and {@code
   * after}.
   */
  static String between(DiskStats before, DiskStats after) {
    if (before == null || after == null) return "-";
    long reads = after.reads - before.reads;
    double ms = (after.nanos - before.nanos) / 1e6;
    if (reads <= 0 || ms <= 0) return "no reads";
    return String.format(
        "qd %.1f, %d KiB",
        (after.readTicksMs - before.readTicksMs) / ms,
        (after.sectors - before.sectors) / 2 / reads);
  }
}
