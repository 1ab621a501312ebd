package io.homi.spark;

import io.homi.runtime.HomiConfig;
import io.homi.runtime.settings.HomiSettings;
import java.io.Serializable;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;

/**
 * The per-scan settings of one scan, resolved and checked once on the driver and shipped to the
 * executors with the reader factory. Each setting of {@link HomiSettings} with scope SCAN comes
 * from the read option, else the session's {@code spark.homi.*} conf, else the driver JVM's {@code
 * -Dhomi.*}, else its default. Bad values fail at planning with the option's name.
 */
public final class HomiOptions implements Serializable {
  /** Where decoded columns go: host (Arrow in direct memory), arrow, gpu, or gpu-or-host. */
  static final String OUTPUT = HomiSettings.OUTPUT.key();

  /** The values of {@link #OUTPUT}. */
  enum Output {
    /** Arrow host vectors, decoded on the CPU. */
    HOST,
    /**
     * Arrow host vectors decoded on the CPU, each batch Spark's ArrowColumnVectors over buffers of
     * its own ({@link ArrowBatchOutput}): what RAPIDS' HostColumnarToGpu copies in bulk. The
     * default under the RAPIDS Accelerator.
     */
    ARROW,
    /**
     * Device columns ({@link DeviceColumnVector}); fails naming the reason where no GPU is usable.
     */
    GPU,
    /**
     * Device columns where a GPU is usable, host vectors otherwise (said in the log and the
     * metrics).
     */
    GPU_OR_HOST
  }

  /**
   * {@code homi.batchRows} of {@link Output#ARROW} when the scan does not set it. RAPIDS coalesces
   * host batches to {@code spark.rapids.sql.batchSizeBytes} (1 GiB) before one copy to the GPU:
   * larger batches mean fewer buffers retained and copied per GPU batch, while the decoded batch
   * stays well inside a row group's memory (TPC-H lineitem: about 40 MB uncompressed per 256 Ki
   * rows).
   */
  static final int ARROW_BATCH_ROWS = 1 << 18;

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(HomiOptions.class);
  private static volatile boolean gpuAsArrowLogged;

  private final HashMap<String, String>
      homiOptions; // the resolved per-scan values that were given somewhere
  private final Output output;
  private final String
      hostReason; // planning-time reason why gpu-or-host reads on the host, or null
  private final int prefetchRowGroups;
  private final boolean lazyDictionary;
  private final boolean readPruning;
  private final String hostCopy; // homi.gpuHostCopy
  private final String
      arrowReason; // why the output is arrow when the scan did not ask for it, or null
  private final String device; // the GPU the scan's INFO line names; null for host output
  private transient HomiConfig config;

  private HomiOptions(
      HashMap<String, String> homiOptions,
      Output output,
      String hostReason,
      String device,
      String arrowReason) {
    this.homiOptions = homiOptions;
    this.arrowReason = arrowReason;
    this.device = device;
    this.output = output;
    this.hostReason = hostReason;
    this.config = HomiConfig.from(homiOptions);
    this.prefetchRowGroups = HomiSettings.PREFETCH_ROW_GROUPS.from(homiOptions);
    // Arrow batches carry values: dictionaries materialized
    this.lazyDictionary = output != Output.ARROW && HomiSettings.LAZY_DICTIONARY.from(homiOptions);
    this.readPruning = HomiSettings.READ_PRUNING.from(homiOptions);
    this.hostCopy = HomiSettings.GPU_HOST_COPY.from(homiOptions);
  }

  /**
   * The scan's settings from its read options, the active session's conf and this JVM's properties.
   */
  public static HomiOptions from(CaseInsensitiveStringMap options) {
    SparkSettings
        .handSparkConfToRuntime(); // the driver's per-JVM settings, before the runtime starts here
    return from(
        options.asCaseSensitiveMap(),
        SparkSettings.sessionHomiConf(),
        HomiSettings.systemProperties());
  }

  /**
   * Read options over session conf ({@code homi.*} keys, spark. dropped) over system properties.
   */
  static HomiOptions from(
      Map<String, String> options, Map<String, String> sessionHomi, Map<String, String> sysProps) {
    HashMap<String, String> m =
        new HashMap<>(HomiSettings.resolveScan(List.of(options, sessionHomi, sysProps), 1));
    Output output =
        switch (HomiSettings.OUTPUT.from(m)) {
          case "arrow" -> Output.ARROW;
          case "gpu" -> Output.GPU;
          case "gpu-or-host" -> Output.GPU_OR_HOST;
          default -> Output.HOST;
        };
    String arrowReason = null;
    if (RapidsPlugin.inThisApplication()) {
      String value = HomiSettings.OUTPUT.from(m);
      if (!m.containsKey(OUTPUT)) {
        output = Output.ARROW;
        arrowReason = "spark.plugins has " + RapidsPlugin.CLASS;
      } else if (output == Output.GPU || output == Output.GPU_OR_HOST) {
        // RAPIDS would copy device columns back to the host and then value by value to the GPU
        // again: until a zero-copy device bridge exists, Arrow batches are the fast way in.
        output = Output.ARROW;
        arrowReason =
            OUTPUT
                + "="
                + value
                + " asked, but RAPIDS (spark.plugins) takes device batches of a"
                + " third-party scan only value by value through the host; no zero-copy bridge yet";
        if (!gpuAsArrowLogged) {
          gpuAsArrowLogged = true;
          LOG.warn(
              "homi: {}; reading as {}=arrow (whole Arrow buffers to RAPIDS' HostColumnarToGpu)",
              arrowReason,
              OUTPUT);
        }
      }
    }
    if (output == Output.ARROW && !m.containsKey(HomiSettings.BATCH_ROWS.key())) {
      m.put(HomiSettings.BATCH_ROWS.key(), String.valueOf(ARROW_BATCH_ROWS));
    }
    String hostReason = null;
    String device = null;
    boolean gpuOutput = output == Output.GPU || output == Output.GPU_OR_HOST;
    if (gpuOutput && executorGpusScheduled()) {
      // Spark hands each executor its GPU: the driver's own GPU (often none) says nothing about
      // theirs.
      device = "each task on its Spark-assigned GPU";
    } else if (gpuOutput) {
      // Checked here too (the executors check again): planning on a machine with no usable GPU.
      io.homi.runtime.gpu.GpuProbe.Result probe = io.homi.runtime.gpu.GpuProbe.probe();
      if (probe.usable())
        device = "GPU " + io.homi.runtime.gpu.GpuProbe.defaultOrdinal() + ": " + probe.deviceName();
      if (!probe.usable()) {
        // Strict: a user who asks for device batches must not silently get host batches.
        if (output == Output.GPU) {
          throw new IllegalArgumentException(
              OUTPUT
                  + "=gpu: no usable GPU: "
                  + probe.reason()
                  + "; use "
                  + OUTPUT
                  + "=gpu-or-host to fall back to host batches");
        }
        hostReason = "no usable GPU: " + probe.reason();
      }
    }
    HomiOptions parsed = new HomiOptions(m, output, hostReason, device, arrowReason);
    if (parsed.config().pathMode() == io.homi.runtime.mediator.PathPolicy.Mode.GPU) {
      // The gpu path lands bytes in GPU memory; this reader decodes on the CPU from host memory.
      throw new IllegalArgumentException(
          HomiConfig.PATH
              + "=gpu reads into GPU memory, but the Spark reader decodes on"
              + " the CPU ("
              + OUTPUT
              + "=host); use auto, os, direct or device");
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
    scala.Option<org.apache.spark.sql.SparkSession> active =
        org.apache.spark.sql.SparkSession.getActiveSession();
    if (active.isEmpty()) return false;
    String amount =
        active
            .get()
            .sparkContext()
            .getConf()
            .get("spark.executor.resource." + GpuAssignment.RESOURCE + ".amount", "0");
    try {
      return Double.parseDouble(amount.trim()) > 0;
    } catch (NumberFormatException e) {
      return false; // Spark itself rejects such a value at startup
    }
  }

  /**
   * {@code homi.rapidsBridge}: whether HomiRapidsExtension may hand this scan's columns to RAPIDS
   * on the GPU.
   */
  boolean rapidsBridge() {
    return HomiSettings.RAPIDS_BRIDGE.from(homiOptions);
  }

  /**
   * These options for a scan whose batches go to RAPIDS as GPU columns ({@link RapidsBridgeRule}):
   * decoded on the GPU where the kernels can ({@code gpu-or-host}: a row group they refuse, or an
   * executor whose decoder cannot start, is decoded on the CPU and copied to the GPU by the
   * bridge).
   */
  HomiOptions forRapidsBridge() {
    return new HomiOptions(
        homiOptions, Output.GPU_OR_HOST, null, "RAPIDS bridge: GPU columns to RAPIDS", null);
  }

  /** {@code homi.prefetchRowGroups}: row groups a task fetches ahead of the one it decodes. */
  int prefetchRowGroups() {
    return prefetchRowGroups;
  }

  boolean lazyDictionary() {
    return lazyDictionary;
  }

  /**
   * {@code homi.gpuHostCopy}: when GPU row groups are copied to host memory (eager, lazy,
   * pageable).
   */
  String hostCopy() {
    return hostCopy;
  }

  /** {@code homi.readPruning}: dictionary and page-index pruning when a task reads a row group. */
  boolean readPruning() {
    return readPruning;
  }

  /**
   * {@code homi.aggregatePushdown} where a read option, the session conf or a driver property gives
   * it, else null (then Spark's own switch may decide: {@link HomiScanBuilder#aggregateMode}).
   */
  String aggregatePushdownGiven() {
    return homiOptions.containsKey(HomiSettings.AGGREGATE_PUSHDOWN.key())
        ? HomiSettings.AGGREGATE_PUSHDOWN.from(homiOptions)
        : null;
  }

  public HomiConfig config() {
    if (config == null) config = HomiConfig.from(homiOptions);
    return config;
  }

  @Override
  public String toString() {
    HomiConfig c = config();
    return "path="
        + c.pathMode().name().toLowerCase(Locale.ROOT)
        + ", queueDepth="
        + c.queueDepth()
        + ", maxCommandBytes="
        + c.maxCommandBytes()
        + ", batchRows="
        + c.batchRows()
        + ", prefetchRowGroups="
        + prefetchRowGroups
        + ", output="
        + outputLabel();
  }

  private String outputLabel() {
    return switch (output) {
      case HOST -> "host";
      case ARROW -> arrowReason == null ? "arrow" : "arrow (" + arrowReason + ")";
      case GPU -> device == null ? "gpu" : "gpu (" + device + ")";
      case GPU_OR_HOST ->
          hostReason != null
              ? "gpu-or-host: host (" + hostReason + ")"
              : device == null ? "gpu-or-host" : "gpu-or-host (" + device + ")";
    };
  }
}
