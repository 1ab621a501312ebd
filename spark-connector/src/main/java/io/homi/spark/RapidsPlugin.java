package io.homi.spark;

import java.util.Arrays;
import org.apache.spark.SparkEnv;

/**
 * Whether this Spark application runs the RAPIDS Accelerator ({@code spark.plugins} lists {@code
 * com.nvidia.spark.SQLPlugin}). RAPIDS keeps a third-party scan such as homi's on the CPU and puts
 * its batches on the GPU with {@code HostColumnarToGpu}, which copies whole Arrow buffers only when
 * every column is Spark's ArrowColumnVector: the reason for {@code homi.output=arrow}.
 */
final class RapidsPlugin {
  static final String CLASS = "com.nvidia.spark.SQLPlugin";

  private RapidsPlugin() {}

  /**
   * True when {@code plugins} (a {@code spark.plugins} value: class names, comma-separated) lists
   * the plugin.
   */
  static boolean listed(String plugins) {
    return plugins != null
        && Arrays.stream(plugins.split(",")).map(String::trim).anyMatch(CLASS::equals);
  }

  /** True when this JVM's Spark application lists the plugin (false outside Spark). */
  static boolean inThisApplication() {
    SparkEnv env = SparkEnv.get();
    return env != null && listed(env.conf().get("spark.plugins", ""));
  }
}
