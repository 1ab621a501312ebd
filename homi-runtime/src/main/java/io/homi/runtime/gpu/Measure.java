package io.homi.runtime.gpu;

import io.homi.runtime.os.Libc;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Timing for the device check: wall time and process CPU time (user + system, from /proc/self/stat,
 * so time spent in the kernel and in native code counts) of repeated runs, reported as medians; and
 * making a file cold (page cache dropped) before a cold run.
 */
public final class Measure {
  /** One measured quantity: median bandwidth and CPU seconds per GB over the runs. */
  public record Result(double gbPerS, double cpuSecPerGb, int runs) {
    public static final Result NONE = new Result(Double.NaN, Double.NaN, 0);
  }

  /** A timed action moving {@code bytes}. */
  @FunctionalInterface
  public interface Run {
    long run() throws Exception;
  }

  private Measure() {}

  /**
   * Runs {@code reps} times, calling {@code before} untimed before each; medians of GB/s and CPU
   * s/GB.
   */
  public static Result median(int reps, Runnable before, Run run) throws Exception {
    double[] bw = new double[reps];
    double[] cpu = new double[reps];
    for (int i = 0; i < reps; i++) {
      before.run();
      long c0 = cpuNanos();
      long t0 = System.nanoTime();
      long bytes = run.run();
      long t1 = System.nanoTime();
      long c1 = cpuNanos();
      double gb = bytes / 1e9;
      bw[i] = gb / ((t1 - t0) / 1e9);
      cpu[i] = ((c1 - c0) / 1e9) / gb;
    }
    return new Result(med(bw), med(cpu), reps);
  }

  static double med(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }

  /** Process CPU time (all threads, user + system) in ns; USER_HZ is 100 on Linux. */
  public static long cpuNanos() {
    try {
      String stat = Files.readString(Path.of("/proc/self/stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10_000_000L; // fields 14, 15
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }

  /**
   * Evicts the file from the page cache: drop_caches where permitted (root), else
   * POSIX_FADV_DONTNEED on the file (clean pages only). Returns how it was done.
   */
  public static String makeCold(int fd) {
    Libc.posix_fadvise(fd, 0, 0, Libc.POSIX_FADV_DONTNEED);
    try {
      Files.writeString(Path.of("/proc/sys/vm/drop_caches"), "3");
      return "drop_caches";
    } catch (IOException | RuntimeException e) {
      return "fadvise(DONTNEED)";
    }
  }
}
