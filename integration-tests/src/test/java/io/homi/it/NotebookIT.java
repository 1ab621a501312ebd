package io.homi.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;

/**
 * Runs examples/notebooks/homi-quickstart.ipynb top to bottom, headless, as a Java-kernel user
 * would: scripts/install-notebook-tools.sh installs nbconvert/nbclient and registers the
 * rapaio Java kernel (here into target/jupyter, pointing at this checkout's jars), then
 * {@code jupyter-nbconvert --execute} runs every cell; any failing cell fails the test. Skips,
 * saying why, where the tools cannot be installed. The executed notebook and its chart are left
 * under target/notebooks.
 */
class NotebookIT {
  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

  @Test
  @Disabled("in the rapaio kernel's JVM Spark's generated code fails to compile (Janino InternalCompilerException on"
      + " 'compare(InternalRow a, InternalRow b)') for the notebook's aggregate, although the same query runs in a"
      + " two-cell test notebook: under investigation (issue 10)")
  void quickstartNotebookRunsTopToBottom() throws Exception {
    Path jupyter = Path.of("target", "jupyter").toAbsolutePath();
    Path out = Files.createDirectories(Path.of("target", "notebooks").toAbsolutePath());
    Path install = out.resolve("install-notebook-tools.log");
    ProcessBuilder ib = new ProcessBuilder("bash", ROOT.resolve("scripts/install-notebook-tools.sh").toString())
        .redirectErrorStream(true).redirectOutput(install.toFile());
    ib.environment().put("HOMI_KERNEL_DIR", jupyter.resolve("kernels/homi-java").toString());
    Process ip = ib.start();
    boolean installed = ip.waitFor(10, TimeUnit.MINUTES) && ip.exitValue() == 0;
    Assumptions.assumeTrue(installed, () -> "NotebookIT skipped: scripts/install-notebook-tools.sh could not install the"
        + " notebook tools (jupyter-nbconvert, python3-nbclient, a JDK 17/21, the rapaio Java kernel):\n" + read(install));

    Path nb = ROOT.resolve("examples/notebooks/homi-quickstart.ipynb");
    Path log = out.resolve("nbconvert.log");
    ProcessBuilder pb = new ProcessBuilder("/usr/bin/jupyter-nbconvert", "--to", "notebook", "--execute",
        "--ExecutePreprocessor.kernel_name=homi-java", "--ExecutePreprocessor.timeout=600",
        "--ExecutePreprocessor.startup_timeout=180", "--output-dir", out.toString(), nb.toString())
        .redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().put("JUPYTER_PATH", jupyter.toString());
    long t0 = System.nanoTime();
    Process p = pb.start();
    boolean done = p.waitFor(8, TimeUnit.MINUTES);
    if (!done) p.destroyForcibly();
    String text = read(log);
    System.out.printf("[NotebookIT] nbconvert --execute took %.0f s%n", (System.nanoTime() - t0) / 1e9);
    assertThat(done).as("notebook finished within 8 minutes; log:%n%s", tail(text)).isTrue();
    assertThat(p.exitValue()).as("jupyter-nbconvert exit code (non-zero when a cell fails); log:%n%s", tail(text)).isZero();
    String executed = Files.readString(out.resolve("homi-quickstart.ipynb"));
    assertThat(executed).doesNotContain("\"output_type\": \"error\"")
        .contains("same answer as format(\\\"parquet\\\"): true")
        .contains("image/png")
        .contains("homi-quickstart: all cells ran");
    assertThat(out.resolve("homi-quickstart-chart.png")).isNotEmptyFile();
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
