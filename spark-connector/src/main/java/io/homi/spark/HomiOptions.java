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
  /** Where decoded columns go: host (Arrow in direct memory), arrow, gpu, or gpu-or-host. */
  static final String OUTPUT = "homi.output";
  /** Row groups a task fetches ahead of the one it decodes (0: fetch each when needed). */
  static final String PREFETCH_ROW_GROUPS = "homi.prefetchRowGroups";
  static final int MAX_PREFETCH_ROW_GROUPS = 8;

  /** The values of {@link #OUTPUT}. */
  enum Output {
    /** Arrow host vectors, decoded on the CPU. */
    HOST,
    /**
     * Arrow host vectors decoded on the CPU, each batch Spark's ArrowColumnVectors over buffers of its
     * own ({@link ArrowBatchOutput}): what RAPIDS' HostColumnarToGpu copies in bulk. The default under
     * the RAPIDS Accelerator.
     */
    ARROW,
    /** Device columns ({@link DeviceColumnVector}); fails naming the reason where no GPU is usable. */
    GPU,
    /** Device columns where a GPU is usable, host vectors otherwise (said in the log and the metrics). */
    GPU_OR_HOST
  }

  /**
   * Whether flat dictionary-encoded columns reach Spark as dictionary ids decoded on get
   * (true, the default) or as values gathered into Arrow vectors (false).
   */
  static final String LAZY_DICTIONARY = "homi.lazyDictionary";

  /**
   * {@code homi.batchRows} of {@link Output#ARROW} when the scan does not set it. RAPIDS coalesces
   * host batches to {@code spark.rapids.sql.batchSizeBytes} (1 GiB) before one copy to the GPU:
   * larger batches mean fewer buffers retained and copied per GPU batch, while the decoded batch
   * stays well inside a row group's memory (TPC-H lineitem: about 40 MB uncompressed per 256 Ki rows).
   */
  static final int ARROW_BATCH_ROWS = 1 << 18;
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(HomiOptions.class);
  private static volatile boolean gpuAsArrowLogged;

  private final HashMap<String, String> homiOptions;
  private final Output output;
  private final String hostReason; // planning-time reason why gpu-or-host reads on the host, or null
  private final String arrowReason; // why the output is arrow when the scan did not ask for it, or null
  private final int prefetchRowGroups;
  private final boolean lazyDictionary;
  private transient HomiConfig config;

  private HomiOptions(HashMap<String, String> homiOptions, Output output, String hostReason, String arrowReason,
                      boolean lazyDictionary) {
    this.homiOptions = homiOptions;
    this.arrowReason = arrowReason;
    this.lazyDictionary = lazyDictionary;
    this.output = output;
    this.hostReason = hostReason;
    this.config = HomiConfig.from(homiOptions);
    this.prefetchRowGroups = prefetchRowGroups(homiOptions);
  }

  public static HomiOptions from(CaseInsensitiveStringMap options) {
    HashMap<String, String> m = new HashMap<>();
    for (Map.Entry<String, String> e : options.asCaseSensitiveMap().entrySet()) {
      if (e.getKey().toLowerCase(Locale.ROOT).startsWith("homi.")) m.put(e.getKey(), e.getValue());
    }
    String value = options.getOrDefault(OUTPUT, "host").trim().toLowerCase(Locale.ROOT);
    Output output = switch (value) {
      case "host" -> Output.HOST;
      case "arrow" -> Output.ARROW;
      case "gpu" -> Output.GPU;
      case "gpu-or-host" -> Output.GPU_OR_HOST;
      default -> throw new IllegalArgumentException(OUTPUT + " must be host, arrow, gpu or gpu-or-host: got '"
          + options.get(OUTPUT) + "'");
    };
    String arrowReason = null;
    if (RapidsPlugin.inThisApplication()) {
      if (!options.containsKey(OUTPUT)) {
        output = Output.ARROW;
        arrowReason = "spark.plugins has " + RapidsPlugin.CLASS;
      } else if (output == Output.GPU || output == Output.GPU_OR_HOST) {
        // RAPIDS would copy device columns back to the host and then value by value to the GPU
        // again: until a zero-copy device bridge exists, Arrow batches are the fast way in.
        output = Output.ARROW;
        arrowReason = OUTPUT + "=" + value + " asked, but RAPIDS (spark.plugins) takes device batches of a"
            + " third-party scan only value by value through the host; no zero-copy bridge yet";
        if (!gpuAsArrowLogged) {
          gpuAsArrowLogged = true;
          LOG.warn("homi: {}; reading as {}=arrow (whole Arrow buffers to RAPIDS' HostColumnarToGpu)", arrowReason, OUTPUT);
        }
      }
    }
    if (output == Output.ARROW && m.keySet().stream().noneMatch(HomiConfig.BATCH_ROWS::equalsIgnoreCase)) {
      m.put(HomiConfig.BATCH_ROWS, String.valueOf(ARROW_BATCH_ROWS));
    }
    String hostReason = null;
    if (output == Output.GPU || output == Output.GPU_OR_HOST) {
      // Checked here too (the executors check again): planning on a machine with no usable GPU.
      io.homi.runtime.gpu.GpuProbe.Result probe = io.homi.runtime.gpu.GpuProbe.probe();
      if (!probe.usable()) {
        // Strict: a user who asks for device batches must not silently get host batches.
        if (output == Output.GPU) {
          throw new IllegalArgumentException(OUTPUT + "=gpu: no usable GPU: " + probe.reason() + "; use " + OUTPUT
              + "=gpu-or-host to fall back to host batches");
        }
        hostReason = "no usable GPU: " + probe.reason();
      }
    }
    String lazy = options.getOrDefault(LAZY_DICTIONARY, "true").trim().toLowerCase(Locale.ROOT);
    if (!lazy.equals("true") && !lazy.equals("false")) {
      throw new IllegalArgumentException(LAZY_DICTIONARY + " must be true or false: got '" + options.get(LAZY_DICTIONARY)
          + "'");
    }
    HomiOptions parsed = new HomiOptions(m, output, hostReason, arrowReason,
        output != Output.ARROW && lazy.equals("true")); // Arrow batches carry values: dictionaries materialized
    if (parsed.config().pathMode() == io.homi.runtime.mediator.PathPolicy.Mode.GPU) {
      // The gpu path lands bytes in GPU memory; this reader decodes on the CPU from host memory.
      throw new IllegalArgumentException(HomiConfig.PATH + "=gpu reads into GPU memory, but the Spark reader decodes on"
          + " the CPU (" + OUTPUT + "=host); use auto, os, direct or device");
    }
    return parsed;
  }

  Output output() {
    return output;
  }

  /**
   * {@link #PREFETCH_ROW_GROUPS}: 0..{@link #MAX_PREFETCH_ROW_GROUPS}; when the scan does not set
   * it, the driver JVM's {@code -Dhomi.prefetchRowGroups}, else 1.
   */
  int prefetchRowGroups() {
    return prefetchRowGroups;
  }

  private static int prefetchRowGroups(Map<String, String> homiOptions) {
    String v = null;
    for (Map.Entry<String, String> e : homiOptions.entrySet()) {
      if (e.getKey().equalsIgnoreCase(PREFETCH_ROW_GROUPS)) v = e.getValue();
    }
    if (v == null) v = System.getProperty(PREFETCH_ROW_GROUPS); // the JVM's default (e.g. an A/B benchmark)
    if (v == null) return 1;
    try {
      int n = Integer.parseInt(v.trim());
      if (n >= 0 && n <= MAX_PREFETCH_ROW_GROUPS) return n;
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException(PREFETCH_ROW_GROUPS + " must be an integer in [0, " + MAX_PREFETCH_ROW_GROUPS
        + "]: got '" + v + "'");
  }

  boolean lazyDictionary() {
    return lazyDictionary;
  }

  public HomiConfig config() {
    if (config == null) config = HomiConfig.from(homiOptions);
    return config;
  }

  @Override
  public String toString() {
    HomiConfig c = config();
    return "path=" + c.pathMode().name().toLowerCase(Locale.ROOT) + ", queueDepth=" + c.queueDepth() + ", taskSize="
        + c.taskBytes() + ", batchRows=" + c.batchRows() + ", prefetchRowGroups=" + prefetchRowGroups + ", output="
        + outputLabel();
  }

  private String outputLabel() {
    return switch (output) {
      case HOST -> "host";
      case ARROW -> arrowReason == null ? "arrow" : "arrow (" + arrowReason + ")";
      case GPU -> "gpu";
      case GPU_OR_HOST -> hostReason == null ? "gpu-or-host" : "gpu-or-host: host (" + hostReason + ")";
    };
  }
}
