package io.homi.runtime.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;

/**
 * {@code homi doctor}'s RAPIDS row: whether the RAPIDS Accelerator's jar is at hand (this JVM's
 * classpath, {@code $SPARK_HOME/jars}, {@code spark.jars} of spark-defaults.conf, or {@code
 * $HOMI_RAPIDS_JAR}) and whether Spark is set to run it ({@code spark.plugins} in
 * spark-defaults.conf), hence which output a homi scan without {@code homi.output} uses: {@code
 * arrow} under the plugin (whole Arrow buffers to RAPIDS' HostColumnarToGpu), else {@code host}.
 * The connector decides the same from the running application's {@code spark.plugins}.
 */
final class RapidsPluginCheck {
  static final String PLUGIN = "com.nvidia.spark.SQLPlugin";

  private RapidsPluginCheck() {}

  static DoctorCommand.Check check(Map<String, String> env) {
    Properties defaults = sparkDefaults(env);
    String plugins = defaults.getProperty("spark.plugins", "");
    boolean listed = Arrays.stream(plugins.split(",")).map(String::trim).anyMatch(PLUGIN::equals);
    String jar = findJar(env, defaults.getProperty("spark.jars", ""));
    String output =
        listed
            ? "a homi scan without homi.output reads as arrow (spark.plugins has "
                + PLUGIN
                + "; homi.output=gpu too, until a"
                + " zero-copy device bridge exists)"
            : "a homi scan reads as host (set spark.plugins="
                + PLUGIN
                + ", or homi.output=arrow, for RAPIDS' Arrow path)";
    String where =
        jar == null
            ? "no rapids-4-spark jar found (classpath, $SPARK_HOME/jars, spark.jars, $HOMI_RAPIDS_JAR)"
            : "plugin jar " + jar;
    return new DoctorCommand.Check(
        "RAPIDS Accelerator", jar != null && listed, where + "; " + output);
  }

  /** spark-defaults.conf of $SPARK_CONF_DIR or $SPARK_HOME/conf, empty when there is none. */
  static Properties sparkDefaults(Map<String, String> env) {
    Properties p = new Properties();
    List<Path> candidates = new ArrayList<>();
    if (env.get("SPARK_CONF_DIR") != null)
      candidates.add(Path.of(env.get("SPARK_CONF_DIR"), "spark-defaults.conf"));
    if (env.get("SPARK_HOME") != null)
      candidates.add(Path.of(env.get("SPARK_HOME"), "conf", "spark-defaults.conf"));
    for (Path c : candidates) {
      if (!Files.isRegularFile(c)) continue;
      try (var r = Files.newBufferedReader(c)) {
        p.load(r); // "key value" and "key=value" lines, as Spark reads them
        return p;
      } catch (IOException e) {
        return p;
      }
    }
    return p;
  }

  private static String findJar(Map<String, String> env, String sparkJars) {
    try {
      Class.forName(PLUGIN, false, RapidsPluginCheck.class.getClassLoader());
      return "on this JVM's classpath";
    } catch (ClassNotFoundException | LinkageError e) {
      // not here; look on disk
    }
    List<String> candidates = new ArrayList<>(Arrays.asList(sparkJars.split(",")));
    if (env.get("HOMI_RAPIDS_JAR") != null) candidates.add(env.get("HOMI_RAPIDS_JAR"));
    if (env.get("SPARK_HOME") != null) {
      try (Stream<Path> s = Files.list(Path.of(env.get("SPARK_HOME"), "jars"))) {
        s.map(Path::toString).forEach(candidates::add);
      } catch (IOException e) {
        // no jars folder
      }
    }
    for (String c : candidates) {
      String f = c.trim().replaceFirst("^file:", "");
      if (Path.of(f.isEmpty() ? "." : f).getFileName().toString().startsWith("rapids-4-spark")
          && Files.isRegularFile(Path.of(f))) {
        return f;
      }
    }
    return null;
  }
}
