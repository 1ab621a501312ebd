package io.homi.spark;

import io.homi.runtime.HomiConfig;
import java.io.Serializable;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;

/**
 * The reader options of one scan, parsed and checked once on the driver and shipped to the
 * executors with the reader factory. Bad values fail at planning with the option's name.
 */
public final class HomiOptions implements Serializable {
  /** Where decoded columns go: host (Arrow on the JVM heap's direct memory) or gpu. */
  static final String OUTPUT = "homi.output";

  private final HashMap<String, String> homiOptions;
  private transient HomiConfig config;

  private HomiOptions(HashMap<String, String> homiOptions) {
    this.homiOptions = homiOptions;
    this.config = HomiConfig.from(homiOptions);
  }

  public static HomiOptions from(CaseInsensitiveStringMap options) {
    HashMap<String, String> m = new HashMap<>();
    for (Map.Entry<String, String> e : options.asCaseSensitiveMap().entrySet()) {
      if (e.getKey().toLowerCase(Locale.ROOT).startsWith("homi.")) m.put(e.getKey(), e.getValue());
    }
    String output = options.getOrDefault(OUTPUT, "host").trim().toLowerCase(Locale.ROOT);
    switch (output) {
      case "host" -> { }
      // Strict: a user who asks for device batches must not silently get host batches.
      case "gpu" -> throw new IllegalArgumentException(OUTPUT + "=gpu: gpu output is not available in this build; use "
          + OUTPUT + "=host");
      default -> throw new IllegalArgumentException(OUTPUT + " must be host or gpu: got '" + options.get(OUTPUT) + "'");
    }
    return new HomiOptions(m);
  }

  public HomiConfig config() {
    if (config == null) config = HomiConfig.from(homiOptions);
    return config;
  }

  @Override
  public String toString() {
    HomiConfig c = config();
    return "path=" + c.pathMode().name().toLowerCase(Locale.ROOT) + ", queueDepth=" + c.queueDepth() + ", taskSize="
        + c.taskBytes() + ", batchRows=" + c.batchRows() + ", output=host";
  }
}
