package io.homi.spark;

import io.homi.runtime.gpu.GpuProbe;
import java.util.Arrays;
import java.util.Map;
import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;

/**
 * Which GPU a task decodes on: the one Spark assigned to it (its {@code gpu} task resource, from
 * {@code spark.executor.resource.gpu.amount} / {@code spark.task.resource.gpu.amount} and a
 * discovery script such as {@code scripts/gpu-discovery.sh}), so that N executors on an N-GPU node
 * use N GPUs rather than all opening device 0. Without a GPU resource: the JVM's default ({@code
 * -Dhomi.gpu}, else 0), today's behaviour. Pure apart from {@link #forCurrentTask()}, so the choice
 * is tested on machines without a GPU.
 */
record GpuAssignment(int ordinal, String source) {
  /**
   * Spark's resource name for GPUs (the {@code gpu} in {@code spark.executor.resource.gpu.amount}).
   */
  static final String RESOURCE = "gpu";

  /** The running task's GPU (on the driver or outside a task: the JVM's default). */
  static GpuAssignment forCurrentTask() {
    TaskContext tc = TaskContext.get();
    return choose(
        tc == null ? Map.of() : tc.resourcesJMap(),
        GpuProbe.defaultOrdinal(),
        !"default"
            .equals(
                io.homi.runtime.settings.JvmSettings.get()
                    .source(io.homi.runtime.settings.HomiSettings.GPU)));
  }

  /**
   * The GPU for a task holding {@code resources}: the first of its {@code gpu} addresses (a task
   * given several decodes on one), else {@code defaultOrdinal}. Spark's addresses are what the
   * discovery script printed: they must be CUDA device ordinals.
   */
  static GpuAssignment choose(
      Map<String, ResourceInformation> resources, int defaultOrdinal, boolean defaultIsSet) {
    ResourceInformation gpu = resources == null ? null : resources.get(RESOURCE);
    if (gpu == null || gpu.addresses().length == 0) {
      return new GpuAssignment(
          defaultOrdinal,
          defaultIsSet
              ? "homi.gpu=" + defaultOrdinal
              : "device " + defaultOrdinal + ", no Spark gpu resource");
    }
    String[] addresses = gpu.addresses();
    String first = addresses[0].trim();
    int ordinal;
    try {
      ordinal = Integer.parseInt(first);
    } catch (NumberFormatException e) {
      ordinal = -1;
    }
    if (ordinal < 0) {
      throw new IllegalArgumentException(
          "Spark assigned this task GPU address '"
              + addresses[0]
              + "', which is not a CUDA"
              + " device ordinal: the GPU discovery script must print ordinals such as {\"name\":\"gpu\",\"addresses\":[\"0\",\"1\"]}"
              + " (scripts/gpu-discovery.sh does)");
    }
    return new GpuAssignment(ordinal, "Spark task resource gpu=" + Arrays.toString(addresses));
  }

  @Override
  public String toString() {
    return "GPU " + ordinal + " (" + source + ")";
  }
}
