package io.homi.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Runs examples/notebooks/homi-quickstart.ipynb top to bottom, headless, as a Java-kernel user
 * would: scripts/install-notebook-tools.sh installs nbconvert/nbclient and registers the rapaio
 * Java kernel (here into target/jupyter, pointing at this checkout's jars), then {@code
 * jupyter-nbconvert --execute} runs every cell; any failing cell fails the test. Skips, saying why,
 * where the tools cannot be installed. The executed notebook is left under
 * integration-tests/target/notebooks, its chart under the checkout's target/notebooks.
 *
 * <p>The kernel spec the script writes puts a logging.properties with java.util.logging's root
 * level at INFO ahead of the kernel jar: with the kernel's own (FINEST) Spark's generated code
 * fails to compile (see the script). The "Failed to compile" check below guards that.
 */
class NotebookIT {
  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

  @Test
  void quickstartNotebookRunsTopToBottom() throws Exception {
    Path jupyter = Path.of("target", "jupyter").toAbsolutePath();
    Path out = Files.createDirectories(Path.of("target", "notebooks").toAbsolutePath());
    Path install = out.resolve("install-notebook-tools.log");
    ProcessBuilder ib =
        new ProcessBuilder("bash", ROOT.resolve("scripts/install-notebook-tools.sh").toString())
            .redirectErrorStream(true)
            .redirectOutput(install.toFile());
    ib.environment().put("HOMI_KERNEL_DIR", jupyter.resolve("kernels/homi-java").toString());
    Process ip = ib.start();
    boolean installed = ip.waitFor(10, TimeUnit.MINUTES) && ip.exitValue() == 0;
    Assumptions.assumeTrue(
        installed,
        () ->
            "NotebookIT skipped: scripts/install-notebook-tools.sh could not install the"
                + " notebook tools (jupyter-nbconvert, python3-nbclient, a JDK 17/21, the rapaio Java kernel):\n"
                + read(install));

    Path nb = ROOT.resolve("examples/notebooks/homi-quickstart.ipynb");
    Path log = out.resolve("nbconvert.log");
    // One retry, only when jupyter's client never heard from the kernel: the kernel binds its
    // sockets at once, yet on a loaded machine nbclient's first kernel_info request was once never
    // answered (CI, 2026-12-06: "Kernel didn't respond in 180 seconds", no request in the kernel's
    // log); run again by hand the same notebook passed within 100 s. Any other failure fails at
    // once.
    long t0 = System.nanoTime();
    boolean done = false;
    Process p = null;
    for (int attempt = 1; attempt <= 2; attempt++) {
      ProcessBuilder pb =
          new ProcessBuilder(
                  "/usr/bin/jupyter-nbconvert",
                  "--to",
                  "notebook",
                  "--execute",
                  "--ExecutePreprocessor.kernel_name=homi-java",
                  "--ExecutePreprocessor.timeout=600",
                  "--ExecutePreprocessor.startup_timeout=180",
                  "--output-dir",
                  out.toString(),
                  nb.toString())
              .redirectErrorStream(true)
              .redirectOutput(log.toFile());
      pb.environment().put("JUPYTER_PATH", jupyter.toString());
      p = pb.start();
      done = p.waitFor(8, TimeUnit.MINUTES);
      if (!done) p.destroyForcibly();
      if (!done || p.exitValue() == 0 || !read(log).contains("Kernel didn't respond")) break;
      System.out.println(
          "[NotebookIT] the kernel did not answer jupyter's first request; starting it again");
    }
    String text = read(log);
    System.out.printf(
        "[NotebookIT] nbconvert --execute took %.0f s%n", (System.nanoTime() - t0) / 1e9);
    assertThat(done).as("notebook finished within 8 minutes; log:%n%s", tail(text)).isTrue();
    assertThat(p.exitValue())
        .as("jupyter-nbconvert exit code (non-zero when a cell fails); log:%n%s", tail(text))
        .isZero();
    String executed = Files.readString(out.resolve("homi-quickstart.ipynb"));
    assertThat(executed)
        .doesNotContain("\"output_type\": \"error\"")
        .as("no generated code failed to compile (Spark would fall back quietly where it can)")
        .doesNotContain("Failed to compile")
        .contains("same answer as format(\\\"parquet\\\"): true")
        .contains("image/png")
        .contains("homi-quickstart: all cells ran");
    // the notebook writes its chart relative to its own directory: <checkout>/target/notebooks
    Path chart = ROOT.resolve("target/notebooks/homi-quickstart-chart.png");
    assertThat(chart).isNotEmptyFile();
    System.out.printf(
        "[NotebookIT] executed notebook: %s, chart: %s%n",
        out.resolve("homi-quickstart.ipynb"), chart);
  }

  private static String read(Path p) {
    try {
      return Files.readString(p);
    } catch (java.io.IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  private static String tail(String s) {
    List<String> lines = s.lines().toList();
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 80), lines.size()));
  }
}
