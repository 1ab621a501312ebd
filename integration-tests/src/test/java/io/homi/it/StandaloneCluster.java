package io.homi.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A real Spark standalone cluster on loopback, for one test class: a {@code Master} and {@code
 * workers} {@code Worker}s, each its own JVM started from this JVM's classpath and module flags.
 * Each Worker launches its executors as JVMs of their own with Spark's launcher ({@code
 * WorkerCommandBuilder}): the classpath is what the driver sends as {@code
 * spark.executor.extraClassPath}, the JVM flags {@code spark.executor.extraJavaOptions}; the
 * launcher wants a Spark home with a {@code jars} directory and a Scala version, so the cluster
 * gets an empty home and {@code SPARK_SCALA_VERSION}. No testing mode: the executors are launched
 * exactly as on a cluster. {@link #close()} kills every process it started, executors included (a
 * shutdown hook does the same if the JVM ends first); {@link #logs()} gathers their output for a
 * failing test.
 */
final class StandaloneCluster implements AutoCloseable {
  private static final Pattern ALIVE = Pattern.compile("\"state\"\\s*:\\s*\"ALIVE\"");
  private final Path work;
  private final Path home;
  private final List<Process> processes = new ArrayList<>();
  private final List<Path> logFiles = new ArrayList<>();
  private final Thread shutdownHook = new Thread(this::killAll, "standalone-cluster-kill");
  private final int masterPort;
  private final int masterUiPort;

  private StandaloneCluster(Path work) throws IOException {
    this.work = work;
    this.home = Files.createDirectories(work.resolve("spark-home"));
    Files.createDirectories(home.resolve("jars")); // empty: the classpath comes from the driver
    this.masterPort = freePort();
    this.masterUiPort = freePort();
    Runtime.getRuntime().addShutdownHook(shutdownHook);
  }

  /**
   * Starts the Master and the Workers and waits (at most {@code timeoutSeconds}) until they are all
   * registered.
   */
  static StandaloneCluster start(Path work, int workers, int workerMemoryMb, long timeoutSeconds)
      throws IOException {
    return start(work, workers, 1, workerMemoryMb, timeoutSeconds, Map.of());
  }

  /**
   * As {@link #start(Path, int, int, long)} with {@code cores} per Worker and {@code workerConf}
   * (e.g. {@code spark.worker.resource.gpu.amount} and its discovery script) in each Worker's
   * properties file.
   */
  static StandaloneCluster start(
      Path work,
      int workers,
      int cores,
      int workerMemoryMb,
      long timeoutSeconds,
      Map<String, String> workerConf)
      throws IOException {
    StandaloneCluster c = new StandaloneCluster(work);
    Path props = work.resolve("worker.properties");
    StringBuilder p = new StringBuilder();
    workerConf.forEach((k, v) -> p.append(k).append('=').append(v).append('\n'));
    Files.writeString(props, p.toString());
    try {
      c.launch(
          "master",
          "org.apache.spark.deploy.master.Master",
          "--host",
          "127.0.0.1",
          "--port",
          String.valueOf(c.masterPort),
          "--webui-port",
          String.valueOf(c.masterUiPort));
      c.await(
          "the Master's web UI on port " + c.masterUiPort,
          timeoutSeconds,
          () -> c.masterJson() != null);
      for (int i = 0; i < workers; i++) {
        Path dir = Files.createDirectories(work.resolve("worker-" + i));
        c.launch(
            "worker-" + i,
            "org.apache.spark.deploy.worker.Worker",
            "--host",
            "127.0.0.1",
            "--port",
            String.valueOf(freePort()),
            "--webui-port",
            String.valueOf(freePort()),
            "--cores",
            String.valueOf(cores),
            "--memory",
            workerMemoryMb + "M",
            "--work-dir",
            dir.toString(),
            "--properties-file",
            props.toString(),
            c.masterUrl());
      }
      c.await(
          workers + " workers ALIVE at the Master",
          timeoutSeconds,
          () -> c.aliveWorkers() >= workers);
      return c;
    } catch (IOException | RuntimeException e) {
      c.close();
      throw e;
    }
  }

  String masterUrl() {
    return "spark://127.0.0.1:" + masterPort;
  }

  /** PIDs of the Master and Worker JVMs (not the executors they launched). */
  List<Long> daemonPids() {
    return processes.stream().map(Process::pid).toList();
  }

  /** Workers the Master reports ALIVE, from its JSON page; -1 when the page cannot be read. */
  int aliveWorkers() {
    String json = masterJson();
    if (json == null) return -1;
    Matcher m = ALIVE.matcher(json);
    int n = 0;
    while (m.find()) n++;
    return n;
  }

  /** The Master's state as JSON ({@code /json} of its web UI), or null while it does not answer. */
  String masterJson() {
    try {
      var conn = URI.create("http://127.0.0.1:" + masterUiPort + "/json/").toURL().openConnection();
      conn.setConnectTimeout(2000);
      conn.setReadTimeout(2000);
      try (InputStream in = conn.getInputStream()) {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
    } catch (IOException notYet) {
      return null;
    }
  }

  /** The last lines of every daemon's and executor's stdout and stderr, for a failure message. */
  String logs() {
    StringBuilder b = new StringBuilder();
    List<Path> files = new ArrayList<>(logFiles);
    try (Stream<Path> s = Files.walk(work)) { // executors: worker-i/app-.../N/{stdout,stderr}
      s.filter(p -> p.toString().contains("app-") && Files.isRegularFile(p))
          .sorted()
          .forEach(files::add);
    } catch (IOException | UncheckedIOException e) {
      b.append("(cannot list executor logs: ").append(e).append(")\n");
    }
    for (Path f : files) {
      try {
        List<String> lines = Files.readAllLines(f, StandardCharsets.UTF_8);
        b.append("==== ")
            .append(work.relativize(f))
            .append(" (last 60 of ")
            .append(lines.size())
            .append(" lines)\n");
        lines
            .subList(Math.max(0, lines.size() - 60), lines.size())
            .forEach(l -> b.append(l).append('\n'));
      } catch (IOException | UncheckedIOException e) {
        b.append("==== ").append(f).append(": ").append(e).append('\n');
      }
    }
    return b.toString();
  }

  @Override
  public void close() {
    killAll();
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException shuttingDown) {
      // the hook runs (or ran) anyway
    }
  }

  /**
   * Kills the executors (children of the Workers) first, then the Workers and the Master; waits up
   * to 10 s each.
   */
  private synchronized void killAll() {
    for (int i = processes.size() - 1; i >= 0; i--) {
      Process p = processes.get(i);
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroy();
      try {
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
          p.destroyForcibly();
          p.waitFor(10, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        p.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
  }

  private void launch(String name, String mainClass, String... args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(moduleFlags());
    cmd.addAll(List.of("-Xmx256m", "-cp", System.getProperty("java.class.path"), mainClass));
    cmd.addAll(List.of(args));
    Path out = work.resolve(name + ".out");
    Path err = work.resolve(name + ".err");
    logFiles.add(out);
    logFiles.add(err);
    ProcessBuilder pb =
        new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
    Map<String, String> env = pb.environment();
    env.put("SPARK_HOME", home.toString());
    env.put("SPARK_SCALA_VERSION", "2.13");
    env.put("SPARK_LOCAL_IP", "127.0.0.1");
    env.remove("SPARK_TESTING");
    processes.add(pb.start());
  }

  private void await(String what, long timeoutSeconds, BooleanSupplier done) {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
    while (!done.getAsBoolean()) {
      for (Process p : processes) {
        if (!p.isAlive())
          throw new IllegalStateException(
              "waiting for "
                  + what
                  + ": a cluster JVM exited with "
                  + p.exitValue()
                  + "\n"
                  + logs());
      }
      if (System.nanoTime() > end)
        throw new IllegalStateException(
            "no " + what + " after " + timeoutSeconds + " s\n" + logs());
      try {
        Thread.sleep(250);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted waiting for " + what, e);
      }
    }
  }

  /**
   * The JDK 17 module flags this JVM runs with (the poms' argLine): Spark needs them in every JVM.
   */
  static List<String> moduleFlags() {
    return ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
        .filter(
            a ->
                a.startsWith("--add-")
                    || a.startsWith("-XX:+IgnoreUnrecognizedVMOptions")
                    || a.startsWith("-Djdk.reflect")
                    || a.startsWith("-Dio.netty"))
        .toList();
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
