package com.nvidia.spark;

import org.apache.spark.api.plugin.DriverPlugin;
import org.apache.spark.api.plugin.ExecutorPlugin;
import org.apache.spark.api.plugin.SparkPlugin;

/**
 * A stand-in that carries only the RAPIDS Accelerator's plugin class name, so that a SparkSession
 * here (no GPU, no RAPIDS jar) can start with {@code spark.plugins=com.nvidia.spark.SQLPlugin} and
 * RapidsDetectionIT can check what homi does with that setting. It does nothing: the real plugin is
 * exercised on the GPU machine (scripts/rapids/).
 */
public final class SQLPlugin implements SparkPlugin {
  @Override
  public DriverPlugin driverPlugin() {
    return null;
  }

  @Override
  public ExecutorPlugin executorPlugin() {
    return null;
  }
}
