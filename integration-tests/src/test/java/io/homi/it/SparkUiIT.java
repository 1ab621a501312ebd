package io.homi.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.reflect.Modifier;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.connector.metric.CustomMetric;
import org.apache.spark.sql.execution.ui.SQLExecutionUIData;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import scala.jdk.javaapi.CollectionConverters;

/**
 * The Spark UI shows what HOMI did: a local session with the UI on a free port, one query through
 * {@code format("homi")}, then the SQL execution page of that query in headless Chromium. Every
 * metric HOMI declares on its scan node ({@code io.homi.spark.HomiMetrics}) must appear on the
 * rendered page by its description, with a value. Saves a screenshot to {@code
 * docs/images/spark-ui-homi-scan.png} (the README shows it) and the DOM under target/. Skips,
 * saying why, where Chromium is missing and scripts/install-ui-tools.sh cannot install it.
 */
class SparkUiIT {
  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

  @Test
  void theSqlPageShowsHomiMetricsOnTheScanNode() throws Exception {
    String chromium = chromium();
    Path work = Files.createDirectories(Path.of("target", "spark-ui-it").toAbsolutePath());
    Path data = work.resolve("trips");
    int port = freePort();
    SparkSession spark =
        SparkSession.builder()
            .master("local[2]")
            .appName("homi-spark-ui")
            .config("spark.ui.enabled", "true")
            .config("spark.ui.port", String.valueOf(port))
            .config("spark.port.maxRetries", "32")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.sql.shuffle.partitions", "2")
            .getOrCreate();
    try {
      spark
          .range(0, 200_000, 1, 2)
          .selectExpr(
              "id",
              "element_at(array('Lisbon','Osaka','Lagos'), CAST(id % 3 AS INT) + 1) AS city",
              "id * 0.5D AS fare")
          .write()
          .mode("overwrite")
          .parquet(data.toString());
      spark.sparkContext().setJobDescription("homi: fare per city");
      spark.read().format("homi").load(data.toString()).groupBy("city").sum("fare").collectAsList();
      long id = homiExecution(spark);
      String base = spark.sparkContext().uiWebUrl().get().replaceFirst("//[^:/]+", "//127.0.0.1");
      String page = base + "/SQL/execution/?id=" + id;

      String html =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create(page)).build(),
                  HttpResponse.BodyHandlers.ofString())
              .body();
      assertThat(html).as("the SQL page from the server").contains("BatchScan");

      Path profile = Files.createTempDirectory(work, "chromium-profile");
      List<String> flags =
          List.of(
              "--headless",
              "--no-sandbox",
              "--disable-gpu",
              "--disable-background-networking",
              "--disable-component-update",
              "--disable-sync",
              "--no-first-run",
              "--user-data-dir=" + profile,
              "--window-size=1400,1300",
              "--virtual-time-budget=8000",
              "--hide-scrollbars");
      String dom =
          runChromium(chromium, flags, List.of("--dump-dom", page), work.resolve("sql-page.html"));
      Path shot = ROOT.resolve("docs/images/spark-ui-homi-scan.png");
      Files.createDirectories(shot.getParent());
      runChromium(
          chromium, flags, List.of("--screenshot=" + shot, page), work.resolve("screenshot.log"));

      assertThat(dom).as("the rendered SQL page").contains("BatchScan homi");
      for (String d : homiMetricDescriptions()) {
        assertThat(dom).as("metric '%s' on the rendered SQL page", d).contains(d);
      }
      assertThat(Files.size(shot)).as("screenshot " + shot).isGreaterThan(10_000);
    } finally {
      spark.stop();
    }
  }

  /** The descriptions of every metric class HomiMetrics declares (public nested CustomMetrics). */
  static List<String> homiMetricDescriptions() throws ReflectiveOperationException {
    List<String> out = new ArrayList<>();
    for (Class<?> c : Class.forName("io.homi.spark.HomiMetrics").getClasses()) {
      if (CustomMetric.class.isAssignableFrom(c) && !Modifier.isAbstract(c.getModifiers())) {
        out.add(((CustomMetric) c.getConstructor().newInstance()).description());
      }
    }
    assertThat(out).as("HomiMetrics declares metrics").isNotEmpty();
    return out;
  }

  private static long homiExecution(SparkSession spark) {
    long id = -1;
    for (SQLExecutionUIData e :
        CollectionConverters.asJava(spark.sharedState().statusStore().executionsList())) {
      if (e.physicalPlanDescription().contains("BatchScan homi"))
        id = Math.max(id, e.executionId());
    }
    assertThat(id).as("a SQL execution with BatchScan homi").isGreaterThanOrEqualTo(0);
    return id;
  }

  private static String runChromium(
      String chromium, List<String> flags, List<String> what, Path out) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(chromium);
    cmd.addAll(flags);
    cmd.addAll(what);
    Path err = Path.of(out + ".stderr");
    Process p =
        new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    if (!p.waitFor(2, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new AssertionError("chromium did not finish in 2 minutes: " + cmd);
    }
    assertThat(p.exitValue()).as("chromium exit code; stderr: %s", Files.readString(err)).isZero();
    return Files.readString(out);
  }

  /** Chromium on the PATH; installs it with scripts/install-ui-tools.sh in CI; else skips. */
  private static String chromium() throws Exception {
    String found = which("chromium", "chromium-browser");
    if (found == null && System.getenv("CI") != null) {
      Process p =
          new ProcessBuilder("bash", ROOT.resolve("scripts/install-ui-tools.sh").toString())
              .inheritIO()
              .start();
      p.waitFor(10, TimeUnit.MINUTES);
      found = which("chromium", "chromium-browser");
    }
    Assumptions.assumeTrue(
        found != null,
        "SparkUiIT skipped: no chromium on the PATH; run scripts/install-ui-tools.sh (apt-get install chromium)");
    return found;
  }

  private static String which(String... names) {
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
      for (String n : names) {
        Path p = Path.of(dir, n);
        if (Files.isExecutable(p)) return p.toString();
      }
    }
    return null;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
