package io.homi.runtime;

import io.homi.runtime.mediator.PathPolicy;
import io.homi.runtime.parquet.ReaderSettings;
import io.homi.runtime.settings.HomiSettings;
import java.util.Locale;
import java.util.Map;

/**
 * Settings of one reader (the per-scan settings the runtime uses), immutable. Keys, defaults,
 * ranges and messages are the entries of {@link HomiSettings}; where each value comes from (read
 * option, session conf, -D) is decided by the caller before {@link #from}.
 */
public record HomiConfig(
    PathPolicy.Mode pathMode,
    int queueDepth,
    long maxCommandBytes,
    int batchRows,
    long coalesceGapBytes,
    long directMinBytes,
    long maxPageBytes,
    boolean verifyChecksums)
    implements ReaderSettings {
  public static final String PATH = HomiSettings.PATH.key();
  public static final String QUEUE_DEPTH = HomiSettings.QUEUE_DEPTH.key();
  public static final String MAX_COMMAND_BYTES = HomiSettings.MAX_COMMAND_BYTES.key();
  public static final String BATCH_ROWS = HomiSettings.BATCH_ROWS.key();
  public static final String COALESCE_GAP = HomiSettings.COALESCE_GAP.key();
  public static final String DIRECT_MIN = HomiSettings.DIRECT_MIN_BYTES.key();
  public static final String MAX_PAGE = HomiSettings.MAX_PAGE_BYTES.key();
  public static final String VERIFY_CHECKSUMS = HomiSettings.VERIFY_CHECKSUMS.key();

  private static final HomiConfig DEFAULTS = from(Map.of());

  public static HomiConfig defaults() {
    return DEFAULTS;
  }

  /** Reads settings by key, case-insensitively; a bad value fails with the key's name. */
  public static HomiConfig from(Map<String, String> options) {
    return new HomiConfig(
        PathPolicy.Mode.valueOf(HomiSettings.PATH.from(options).toUpperCase(Locale.ROOT)),
        HomiSettings.QUEUE_DEPTH.from(options),
        HomiSettings.MAX_COMMAND_BYTES.from(options),
        HomiSettings.BATCH_ROWS.from(options),
        HomiSettings.COALESCE_GAP.from(options),
        HomiSettings.DIRECT_MIN_BYTES.from(options),
        HomiSettings.MAX_PAGE_BYTES.from(options),
        HomiSettings.VERIFY_CHECKSUMS.from(options));
  }

  @Override
  public PathPolicy policy() {
    return new PathPolicy(pathMode, directMinBytes);
  }
}
