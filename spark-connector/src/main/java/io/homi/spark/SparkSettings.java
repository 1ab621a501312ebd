package io.homi.spark;

import io.homi.runtime.settings.HomiSettings;
import io.homi.runtime.settings.JvmSettings;
import java.util.HashMap;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkEnv;
import org.apache.spark.sql.SparkSession;
import scala.Tuple2;

/**
 * Where the connector finds {@code spark.homi.*}: the session's conf (per scan) and the Spark conf
 * (per JVM).
 */
final class SparkSettings {
  private SparkSettings() {}

  /**
   * The active session's {@code spark.homi.*} conf as {@code homi.*} keys; empty without a session.
   */
  static Map<String, String> sessionHomiConf() {
    SparkSession s =
        SparkSession.getActiveSession().isDefined()
            ? SparkSession.getActiveSession().get()
            : SparkSession.getDefaultSession().isDefined()
                ? SparkSession.getDefaultSession().get()
                : null;
    if (s == null) return Map.of();
    return HomiSettings.fromSparkConf(
        scala.jdk.javaapi.CollectionConverters.asJava(s.conf().getAll()));
  }

  /**
   * Hands this JVM's Spark conf ({@code spark.homi.*}) to the runtime's per-JVM settings. Called
   * where the connector first touches the runtime: planning on the driver, reader creation on each
   * executor.
   */
  static void handSparkConfToRuntime() {
    SparkEnv env = SparkEnv.get();
    if (env == null) return;
    SparkConf conf = env.conf();
    Map<String, String> homi = new HashMap<>();
    for (Tuple2<String, String> e : conf.getAllWithPrefix("spark.homi."))
      homi.put("homi." + e._1(), e._2());
    JvmSettings.useSparkConf(homi);
  }
}
