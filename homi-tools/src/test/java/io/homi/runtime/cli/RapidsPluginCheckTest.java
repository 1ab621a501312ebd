package io.homi.runtime.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code homi doctor}'s RAPIDS row over a Spark home laid out on disk: jar found or not, plugin
 * listed or not.
 */
class RapidsPluginCheckTest {
  @TempDir Path home;

  private DoctorCommand.Check check(String defaults, boolean jar) throws IOException {
    Files.createDirectories(home.resolve("conf"));
    Files.createDirectories(home.resolve("jars"));
    if (defaults != null) Files.writeString(home.resolve("conf/spark-defaults.conf"), defaults);
    if (jar)
      Files.write(
          home.resolve("jars/rapids-4-spark_2.13-26.08.1-cuda13.jar"), new byte[] {'P', 'K', 5, 6});
    return RapidsPluginCheck.check(Map.of("SPARK_HOME", home.toString()));
  }

  @Test
  void pluginListedAndJarPresentMeansArrow() throws IOException {
    DoctorCommand.Check c =
        check("spark.plugins  com.nvidia.spark.SQLPlugin\nspark.rapids.sql.enabled true\n", true);
    assertThat(c.usable()).isTrue();
    assertThat(c.why())
        .contains("rapids-4-spark_2.13-26.08.1-cuda13.jar")
        .contains("reads as arrow");
  }

  @Test
  void noPluginMeansHost() throws IOException {
    DoctorCommand.Check c = check("spark.executor.memory=4g\n", true);
    assertThat(c.usable()).isFalse();
    assertThat(c.why())
        .contains("reads as host")
        .contains("spark.plugins=com.nvidia.spark.SQLPlugin");
  }

  @Test
  void listedWithoutJarSaysSo() throws IOException {
    DoctorCommand.Check c =
        check("spark.plugins=org.example.A,com.nvidia.spark.SQLPlugin\n", false);
    assertThat(c.usable()).isFalse();
    assertThat(c.why()).contains("no rapids-4-spark jar found").contains("reads as arrow");
  }

  @Test
  void jarNamedInSparkJars() throws IOException {
    Path jar = Files.write(home.resolve("rapids-4-spark_2.13-26.08.1.jar"), new byte[] {'P', 'K'});
    DoctorCommand.Check c =
        check("spark.plugins com.nvidia.spark.SQLPlugin\nspark.jars file:" + jar + "\n", false);
    assertThat(c.usable()).isTrue();
    assertThat(c.why()).contains(jar.toString());
  }
}
