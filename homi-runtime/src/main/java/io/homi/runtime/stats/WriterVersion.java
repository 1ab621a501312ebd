package io.homi.runtime.stats;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a file's {@code created_by} says about the trust its statistics deserve, by parquet-java's
 * rule for PARQUET-251 ({@code CorruptStatistics.shouldIgnoreStatistics}): parquet-mr before 1.8.0
 * could write wrong statistics for byte-array columns (BYTE_ARRAY, FIXED_LEN_BYTE_ARRAY; a reused
 * buffer changed min/max after they were taken), and parquet-java ignores all statistics of such
 * chunks, null counts included. A missing or unparseable {@code created_by} is distrusted too, as
 * parquet-java does (PARQUET-297: parquet-mr of that time could leave it empty). Stricter than
 * parquet-java in one place: CDH's backport of the fix (1.5.0-cdh5.5.0 pre-releases) is not
 * recognised, so those files are read for values; the answer is the same, only slower.
 */
public final class WriterVersion {
  /**
   * parquet-java's VersionParser format: {@code <application> version <version> (build <hash>)}.
   */
  private static final Pattern CREATED_BY =
      Pattern.compile("(.*?)\\s+version\\s*(?:([^(]*?)\\s*(?:\\(\\s*build\\s*([^)]*?)\\s*\\))?)?");

  private static final Pattern SEMVER = Pattern.compile("^(\\d+)\\.(\\d+)\\.(\\d+)(.*)$");

  private WriterVersion() {}

  /**
   * Whether the statistics of a byte-array column chunk written by {@code createdBy} may be used:
   * false for parquet-mr before 1.8.0 (a pre-release of 1.8.0 included), for a parquet-mr version
   * that does not parse, and for a missing or unparseable {@code created_by}; true for every other
   * application.
   */
  public static boolean byteArrayStatisticsTrusted(String createdBy) {
    if (createdBy == null || createdBy.isBlank()) return false;
    Matcher m = CREATED_BY.matcher(createdBy);
    if (!m.matches()) return false;
    String application = m.group(1);
    if (!"parquet-mr".equals(application)) return true; // others never had this bug
    String version = m.group(2);
    if (version == null || version.isBlank()) return false;
    Matcher v = SEMVER.matcher(version.trim());
    if (!v.matches()) return false;
    int major;
    int minor;
    try {
      major = Integer.parseInt(v.group(1));
      minor = Integer.parseInt(v.group(2));
      Integer.parseInt(v.group(3));
    } catch (NumberFormatException tooLong) {
      return false;
    }
    if (major != 1) return major > 1;
    if (minor != 8) return minor > 8;
    // 1.8.x: fixed from 1.8.0 on, but not in a pre-release of 1.8.0 (1.8.0-SNAPSHOT, 1.8.0rc1).
    return !(v.group(3).equals("0") && !v.group(4).isEmpty());
  }
}
