package io.homi.runtime;

import io.homi.runtime.mediator.PathPolicy;
import java.util.Locale;
import java.util.Map;

/**
 * Settings of one reader (scan options), immutable. Keys are the user-facing option names;
 * the same names work as JVM system properties (-Dhomi.path=direct) and as Spark options.
 */
public record HomiConfig(PathPolicy.Mode pathMode, int queueDepth, long taskBytes, int batchRows,
                         long coalesceGapBytes, long directMinBytes, long maxPageBytes, boolean verifyChecksums) {
  public static final String PATH = "homi.path";
  public static final String QUEUE_DEPTH = "homi.queueDepth";
  public static final String TASK_SIZE = "homi.taskSize";
  public static final String BATCH_ROWS = "homi.batchRows";
  public static final String COALESCE_GAP = "homi.coalesceGap";
  public static final String DIRECT_MIN = "homi.directMinBytes";
  public static final String MAX_PAGE = "homi.maxPageBytes";
  public static final String VERIFY_CHECKSUMS = "homi.verifyChecksums";

  public static HomiConfig defaults() {
    return new HomiConfig(PathPolicy.Mode.AUTO, 64, 4L << 20, 4096, 1L << 20, 256L << 10, 256L << 20, false);
  }

  /** Reads options by name, case-insensitively; unknown values fail with the option's name. */
  public static HomiConfig from(Map<String, String> options) {
    HomiConfig d = defaults();
    Map<String, String> o = new java.util.HashMap<>();
    options.forEach((k, v) -> o.put(k.toLowerCase(Locale.ROOT), v));
    return new HomiConfig(
        o.containsKey(PATH.toLowerCase(Locale.ROOT)) ? PathPolicy.parseMode(o.get(PATH.toLowerCase(Locale.ROOT))) : d.pathMode,
        (int) positive(o, QUEUE_DEPTH, d.queueDepth, 2, 4096),
        positive(o, TASK_SIZE, d.taskBytes, 4096, 64L << 20),
        (int) positive(o, BATCH_ROWS, d.batchRows, 1, 1 << 24),
        positive(o, COALESCE_GAP, d.coalesceGapBytes, 0, 1L << 30),
        positive(o, DIRECT_MIN, d.directMinBytes, 0, Long.MAX_VALUE),
        positive(o, MAX_PAGE, d.maxPageBytes, 1024, Integer.MAX_VALUE - 64),
        bool(o, VERIFY_CHECKSUMS, d.verifyChecksums));
  }

  private static boolean bool(Map<String, String> o, String key, boolean dflt) {
    String v = o.get(key.toLowerCase(Locale.ROOT));
    if (v == null) return dflt;
    return switch (v.trim().toLowerCase(Locale.ROOT)) {
      case "true" -> true;
      case "false" -> false;
      default -> throw new IllegalArgumentException(key + " must be true or false: got '" + v + "'");
    };
  }

  public PathPolicy policy() {
    return new PathPolicy(pathMode, directMinBytes);
  }

  private static long positive(Map<String, String> o, String key, long dflt, long min, long max) {
    String v = o.get(key.toLowerCase(Locale.ROOT));
    if (v == null) return dflt;
    long n;
    try {
      n = parseBytes(v.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(key + " must be a number (suffixes k, m, g allowed): got '" + v + "'");
    }
    if (n < min || n > max) throw new IllegalArgumentException(key + " must be in [" + min + ", " + max + "]: got " + v);
    return n;
  }

  static long parseBytes(String v) {
    String s = v.toLowerCase(Locale.ROOT);
    long mult = 1;
    if (s.endsWith("b")) s = s.substring(0, s.length() - 1);
    if (s.endsWith("k")) mult = 1L << 10;
    else if (s.endsWith("m")) mult = 1L << 20;
    else if (s.endsWith("g")) mult = 1L << 30;
    if (mult != 1) s = s.substring(0, s.length() - 1);
    return Math.multiplyExact(Long.parseLong(s), mult);
  }
}
