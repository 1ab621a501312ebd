package io.homi.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * spark-submit as a user runs it: a child JVM runs {@code org.apache.spark.deploy.SparkSubmit}
 * (what the spark-submit script runs) on Spark's classpath without any HOMI class, hands it the
 * BUILT shaded jar with {@code --jars} and an application jar of its own, and the application reads
 * a real Parquet file with {@code format("homi")}. The README's line is the same command with
 * {@code spark-submit} in front.
 */
class SparkSubmitIT {

  @Test
  void sparkSubmitWithTheShadedJarReadsAParquetFile() throws Exception {
    Path homiJar = shadedJar();
    Path work = Files.createDirectories(Path.of("target", "spark-submit-it").toAbsolutePath());
    Path appJar = appJar(work.resolve("homi-submit-app.jar"));
    Path data = work.resolve("data");
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    // the JDK module flags Spark's own launcher adds (bin/jvm-options; here, this JVM's)
    for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (a.startsWith("--add-")
          || a.startsWith("-XX:+IgnoreUnrecognized")
          || a.startsWith("-Djdk.reflect")
          || a.startsWith("-Dio.netty")) {
        cmd.add(a);
      }
    }
    cmd.addAll(
        List.of(
            "-cp",
            sparkOnlyClasspath(),
            "org.apache.spark.deploy.SparkSubmit",
            "--master",
            "local[2]",
            "--conf",
            "spark.ui.enabled=false",
            "--conf",
            "spark.sql.shuffle.partitions=2",
            "--jars",
            homiJar.toString(),
            "--class",
            SubmitApp.class.getName(),
            appJar.toString(),
            data.toString()));
    Path out = work.resolve("stdout.txt");
    Path err = work.resolve("stderr.txt");
    Process p =
        new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    boolean done = p.waitFor(5, TimeUnit.MINUTES);
    if (!done) p.destroyForcibly();
    String stdout = Files.readString(out);
    String stderr = Files.readString(err);
    assertThat(done).as("spark-submit finished within 5 minutes").isTrue();
    assertThat(p.exitValue())
        .as("spark-submit exit code; stdout:%n%s%nstderr (tail):%n%s", stdout, tail(stderr))
        .isZero();
    assertThat(stdout)
        .contains("submit: rows=10000 sum=49995000 keys=7 max=v9999")
        .contains("submit: equal to parquet=true")
        .containsPattern("submit: plan .*BatchScan homi")
        .contains("impl " + homiJar.toUri().toString().replaceFirst("^file:/+", "file:/"));
  }

  /** spark-connector/target/homi-spark_2.13-VERSION.jar: the shaded jar the build produced. */
  static Path shadedJar() throws IOException {
    Path target = Path.of("..", "spark-connector", "target").toAbsolutePath().normalize();
    try (Stream<Path> s = Files.list(target)) {
      return s.filter(f -> f.getFileName().toString().matches("homi-spark_2\\.13-.*\\.jar"))
          .filter(f -> !f.getFileName().toString().contains("sources"))
          .findFirst()
          .orElseThrow(
              () ->
                  new IllegalStateException(
                      "no shaded jar in " + target + ": run mvn package first"));
    }
  }

  /** This JVM's classpath without any HOMI class or JNA: what a Spark installation has. */
  static String sparkOnlyClasspath() {
    List<String> keep = new ArrayList<>();
    for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
      String name = Path.of(e).getFileName().toString();
      boolean homi =
          name.startsWith("homi-")
              || name.startsWith("jna-")
              || name.equals("classes")
              || name.equals("test-classes");
      if (!homi) keep.add(e);
    }
    return String.join(File.pathSeparator, keep);
  }

  /** A jar holding only the application class, as a user's build would make it. */
  private static Path appJar(Path jar) throws IOException {
    String entry = SubmitApp.class.getName().replace('.', '/') + ".class";
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar));
        InputStream in = SubmitApp.class.getClassLoader().getResourceAsStream(entry)) {
      out.putNextEntry(new JarEntry(entry));
      in.transferTo(out);
      out.closeEntry();
    }
    return jar;
  }

  private static String tail(String s) {
    return s.length() <= 6000 ? s : s.substring(s.length() - 6000);
  }
}
