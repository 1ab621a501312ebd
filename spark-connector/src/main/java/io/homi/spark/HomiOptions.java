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
  /** Where decoded columns go: host (Arrow in direct memory), gpu, or gpu-or-host. */
  static final String OUTPUT = "homi.output";
  /** Row groups a task fetches ahead of the one it decodes (0: fetch each when needed). */
  static final String PREFETCH_ROW_GROUPS = "homi.prefetchRowGroups";
  static final int MAX_PREFETCH_ROW_GROUPS = 8;

  /** The values of {@link #OUTPUT}. */
  enum Output {
    /** Arrow host vectors, decoded on the CPU. */
    HOST,
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

  private final HashMap<String, String> homiOptions;
  private final Output output;
  private final String hostReason; // planning-time reason why gpu-or-host reads on the host, or null
  private final int prefetchRowGroups;
  private final boolean lazyDictionary;
  private final String device; // the GPU the scan's INFO line names; null for host output
  private transient HomiConfig config;

  private HomiOptions(HashMap<String, String> homiOptions, Output output, String hostReason, String device,
                      boolean lazyDictionary) {
    this.homiOptions = homiOptions;
    this.device = device;
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
      case "gpu" -> Output.GPU;
      case "gpu-or-host" -> Output.GPU_OR_HOST;
      default -> throw new IllegalArgumentException(OUTPUT + " must be host, gpu or gpu-or-host: got '" + options.get(OUTPUT) + "'");
    };
    String hostReason = null;
    String device = null;
    if (output != Output.HOST && executorGpusScheduled()) {
      // Spark hands each executor its GPU: the driver's own GPU (often none) says nothing about theirs.
      device = "each task on its Spark-assigned GPU";
    } else if (output != Output.HOST) {
      // Checked here too (the executors check again): planning on a machine with no usable GPU.
      io.homi.runtime.gpu.GpuProbe.Result probe = io.homi.runtime.gpu.GpuProbe.probe();
      if (probe.usable()) device = "GPU " + io.homi.runtime.gpu.GpuProbe.defaultOrdinal() + ": " + probe.deviceName();
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
    HomiOptions parsed = new HomiOptions(m, output, hostReason, device, lazy.equals("true"));
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
   * Whether the active session gives executors GPUs ({@code spark.executor.resource.gpu.amount}
   * above 0): then each task decodes on the GPU Spark assigned it ({@link GpuAssignment}).
   */
  static boolean executorGpusScheduled() {
    scala.Option<org.apache.spark.sql.SparkSession> active = org.apache.spark.sql.SparkSession.getActiveSession();
    if (active.isEmpty()) return false;
    String amount = active.get().sparkContext().getConf().get("spark.executor.resource." + GpuAssignment.RESOURCE + ".amount", "0");
    try {
      return Double.parseDouble(amount.trim()) > 0;
    } catch (NumberFormatException e) {
      return false; // Spark itself rejects such a value at startup
    }
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
      case GPU -> device == null ? "gpu" : "gpu (" + device + ")";
      case GPU_OR_HOST -> hostReason != null ? "gpu-or-host: host (" + hostReason + ")"
          : device == null ? "gpu-or-host" : "gpu-or-host (" + device + ")";
    };
  }
}
