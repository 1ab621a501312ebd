package io.homi.spark;

import io.homi.runtime.HomiConfig;
import java.io.Serializable;
import java.util.HashMap;
import java.util.Map;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;

/**
 * The reader options of one scan, parsed and checked once on the driver and shipped to the
 * executors with each partition. Unknown values fail at planning with the option's name.
 */
public final class HomiOptions implements Serializable {
  private final HashMap<String, String> homiOptions;
  private transient HomiConfig config;

  private HomiOptions(HashMap<String, String> homiOptions) {
    this.homiOptions = homiOptions;
    this.config = HomiConfig.from(homiOptions);
  }

  public static HomiOptions from(CaseInsensitiveStringMap options) {
    HashMap<String, String> m = new HashMap<>();
    for (Map.Entry<String, String> e : options.asCaseSensitiveMap().entrySet()) {
      if (e.getKey().toLowerCase().startsWith("homi.")) m.put(e.getKey(), e.getValue());
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
    return "path=" + c.pathMode().name().toLowerCase() + ", queueDepth=" + c.queueDepth() + ", taskSize=" + c.taskBytes()
        + ", batchRows=" + c.batchRows();
  }
}
