package io.homi.runtime.cli;

import io.homi.runtime.HomiConfig;
import io.homi.runtime.io.QueueClient;
import io.homi.runtime.mediator.BufferRegistry;
import io.homi.runtime.mediator.Mediator;
import io.homi.runtime.mediator.Namespace;
import io.homi.runtime.mediator.NamespaceTable;
import io.homi.runtime.mediator.PathPolicy;
import io.homi.runtime.os.HostBuffer;
import io.homi.runtime.os.Libc;
import io.homi.runtime.os.OpenFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code homi bench io <file> [--bs 1m] [--qd 32] [--path os|direct|auto] [--cold] [--warm] [--ops
 * 300000] [--reps 5] [--only seq|cached]}: sequential reads of the file through a queue pair and
 * the mediator, per path, cold (posix_fadvise DONTNEED first) and warm, next to fio with the same
 * block size and iodepth in the same run, and the ratio; then 4 KiB cached commands/s through one
 * mediator thread next to the same preadv2 called in a plain loop (repetitions interleaved,
 * medians), which gives the mediator's overhead per command. Direct also runs on the I/O thread
 * pool and into 4 KiB pages, and the cached commands through a mediator without io_uring, in the
 * same run; each sequential phase shows what the disk saw ({@link DiskStats}: reads in flight and
 * request size). Progress of every phase goes to stderr; the tables go to stdout.
 */
public final class BenchIoCommand {
  private static final String USAGE =
      "usage: homi bench io <file> [--bs 1m] [--qd 32] [--path os|direct|auto]"
          + " [--cold|--warm] [--ops N] [--reps N] [--only seq|cached]";

  private String file;
  private long bs = 1L << 20;
  private int qd = 32;
  private final List<String> paths = new ArrayList<>();
  private boolean cold = true;
  private boolean warm = true;
  private long ops = 300_000;
  private int reps = 5;
  private boolean seqPhase = true;
  private boolean cachedPhase = true;

  public static int run(String[] args) throws Exception {
    if (List.of(args).contains("--help") || List.of(args).contains("-h")) {
      System.out.println(USAGE);
      return 0;
    }
    BenchIoCommand b = new BenchIoCommand();
    String err = b.parse(args);
    if (err != null) {
      System.err.println(err + "\n" + USAGE);
      return 2;
    }
    return b.bench();
  }

  private String parse(String[] a) {
    if (a.length < 2 || !a[0].equals("io")) return "bench: only 'bench io <file>' exists";
    file = a[1];
    for (int i = 2; i < a.length; i++) {
      String v = i + 1 < a.length ? a[i + 1] : null;
      switch (a[i]) {
        case "--bs" -> {
          bs = parseBytes(v);
          i++;
        }
        case "--qd" -> {
          qd = Integer.parseInt(v);
          i++;
        }
        case "--path" -> {
          paths.add(v.toLowerCase(Locale.ROOT));
          i++;
        }
        case "--cold" -> warm = false;
        case "--warm" -> cold = false;
        case "--ops" -> {
          ops = Long.parseLong(v);
          i++;
        }
        case "--reps" -> {
          reps = Integer.parseInt(v);
          i++;
        }
        case "--only" -> {
          if (!"seq".equals(v) && !"cached".equals(v)) return "--only takes seq or cached";
          seqPhase = v.equals("seq");
          cachedPhase = v.equals("cached");
          i++;
        }
        default -> {
          return "unknown option " + a[i];
        }
      }
    }
    if (paths.isEmpty()) paths.addAll(List.of("os", "direct", "auto"));
    if (qd < 1 || qd > 4095 || bs < 4096 || (bs & 4095) != 0)
      return "--qd must be 1..4095 and --bs a multiple of 4k";
    if (reps < 1 || ops < 1) return "--reps and --ops must be at least 1";
    return null;
  }

  private static long parseBytes(String v) {
    String s = v.toLowerCase(Locale.ROOT);
    long m =
        s.endsWith("k") ? 1L << 10 : s.endsWith("m") ? 1L << 20 : s.endsWith("g") ? 1L << 30 : 1;
    return Long.parseLong(m == 1 ? s : s.substring(0, s.length() - 1)) * m;
  }

  private int bench() throws Exception {
    Path p = Path.of(file);
    boolean haveFio = haveFio();
    NamespaceTable table = new NamespaceTable();
    BufferRegistry reg = new BufferRegistry();
    // Enough I/O threads for every command in flight to be a read in the kernel at once.
    Mediator.Settings settings =
        new Mediator.Settings(64L << 20, Math.max(qd, 8), 1, 16, 128L << 10);
    try (Mediator m = new Mediator(table, reg, settings);
        Mediator pool = new Mediator(table, reg, settings.withDirectRing(0));
        OpenFile f = OpenFile.open(p);
        // Destinations as the reader's RangeFetch allocates them (2 MiB pages), and plain 4 KiB
        // pages for the Direct comparison row: the page size decides how many DMA segments a read
        // is.
        HostBuffer buf = new HostBuffer((long) qd * bs, true);
        HostBuffer plainBuf = new HostBuffer((long) qd * bs, false)) {
      reg.register(buf.address(), buf.capacity());
      reg.register(plainBuf.address(), plainBuf.capacity());
      Namespace ns = table.attach(f);
      long size = f.size() & -4096L;
      System.out.printf(
          "file %s, %.2f GiB; bs %s, qd %d; %d CPUs; I/O threads %d; Direct reads: %s; fio %s; load average %s%n",
          f.path(),
          size / (double) (1L << 30),
          human(bs),
          qd,
          Runtime.getRuntime().availableProcessors(),
          settings.ioThreads(),
          m.directEngine(),
          haveFio ? fioVersion() : "not available",
          loadAverage());
      if (seqPhase) {
        System.out.println(
            "| path | cache | HOMI GB/s | HOMI IOPS | fio GB/s | fio IOPS | HOMI/fio | disk under HOMI | disk under fio |");
        System.out.println("|---|---|---|---|---|---|---|---|---|");
        int phases = paths.size() * states().size();
        int phase = 0;
        for (String path : paths) {
          for (String state : states()) {
            PathPolicy policy =
                new PathPolicy(PathPolicy.parseMode(path), HomiConfig.defaults().directMinBytes());
            boolean isCold = state.equals("cold");
            phase++;
            // Direct also runs on the I/O thread pool (where io_uring works) and into 4 KiB pages.
            List<Mediator> engines =
                !path.equals("direct")
                    ? List.of(m)
                    : m.directRing() ? List.of(m, pool, m) : List.of(m, m);
            List<String> rows = new ArrayList<>();
            List<double[]> homis = new ArrayList<>();
            for (int k = 0; k < engines.size(); k++) {
              Mediator e = engines.get(k);
              boolean plainPages = k == engines.size() - 1 && k > 0;
              String label =
                  engines.size() == 1
                      ? path
                      : path
                          + " ("
                          + (e == m ? "io_uring" : "thread pool")
                          + (plainPages ? ", 4k pages" : ", 2m pages")
                          + ")";
              progress(
                  "[%d/%d] %s %s: HOMI, %.2f GiB at bs %s ...",
                  phase, phases, label, state, size / (double) (1L << 30), human(bs));
              prepare(f, isCold);
              long t0 = System.nanoTime();
              DiskStats d0 = DiskStats.sample(f.identity());
              double[] homi = homiSeq(e, ns, policy, size, plainPages ? plainBuf : buf);
              String homiDisk = DiskStats.between(d0, DiskStats.sample(f.identity()));
              progress(
                  "[%d/%d] %s %s: HOMI %.2f GB/s (%.1f s)",
                  phase, phases, label, state, homi[0] / 1e9, (System.nanoTime() - t0) / 1e9);
              rows.add(
                  String.format("| %s | %s | %.2f | %.0f |", label, state, homi[0] / 1e9, homi[1]));
              homis.add(new double[] {homi[0], homi[1]});
              rows.set(rows.size() - 1, rows.get(rows.size() - 1) + "%s" + " | " + homiDisk);
            }
            String[] fioDisk = {"-"};
            double[] fio = haveFio ? fio(f, path, isCold, size, fioDisk) : null;
            if (fio != null)
              progress("[%d/%d] %s %s: fio %.2f GB/s", phase, phases, path, state, fio[0] / 1e9);
            for (int i = 0; i < rows.size(); i++) {
              String fioCells =
                  String.format(
                      " %s | %s | %s",
                      fio == null ? "-" : String.format("%.2f", fio[0] / 1e9),
                      fio == null ? "-" : String.format("%.0f", fio[1]),
                      fio == null ? "-" : String.format("%.0f%%", 100 * homis.get(i)[0] / fio[0]));
              System.out.println(String.format(rows.get(i), fioCells) + " | " + fioDisk[0] + " |");
            }
          }
        }
      }
      if (cachedPhase) {
        cachedCommands(m, m.directRing() ? pool : null, ns, Math.min(size, 256L << 20), reg, false);
        cachedCommands(m, m.directRing() ? pool : null, ns, Math.min(size, 256L << 20), reg, true);
      }
      System.out.printf("load average at the end: %s%n", loadAverage());
    }
    return 0;
  }

  private List<String> states() {
    List<String> s = new ArrayList<>();
    if (cold) s.add("cold");
    if (warm) s.add("warm");
    return s;
  }

  /** Cold: drop the file's pages (clean pages go, so reads hit the device). Warm: read it once. */
  private static void prepare(OpenFile f, boolean cold) throws IOException {
    if (cold) {
      Libc.posix_fadvise(f.fd(), 0, 0, Libc.POSIX_FADV_DONTNEED);
    } else {
      try (HostBuffer b = new HostBuffer(1 << 20)) {
        for (long o = 0; o < f.size(); o += 1 << 20)
          Libc.preadFully(f.fd(), b.address(), 1 << 20, o);
      }
    }
  }

  /**
   * Reads the whole file sequentially, bs per command, qd in flight; returns {bytes/s, commands/s}.
   */
  private double[] homiSeq(Mediator m, Namespace ns, PathPolicy policy, long size, HostBuffer buf)
      throws IOException {
    int n = (int) ((size + bs - 1) / bs);
    long[] offs = new long[n];
    long[] lens = new long[n];
    long[] dests = new long[n];
    for (int i = 0; i < n; i++) {
      offs[i] = i * bs;
      lens[i] = Math.min(bs, size - offs[i]);
      dests[i] = buf.address() + (i % qd) * bs; // a ring of qd slots: data is not looked at
    }
    try (QueueClient c = new QueueClient(m, qd + 1, bs, policy)) {
      long t0 = System.nanoTime();
      c.read(ns, offs, lens, dests);
      double s = (System.nanoTime() - t0) / 1e9;
      return new double[] {size / s, n / s};
    }
  }

  /**
   * 4 KiB reads of cached data, random or sequential: through the mediator (qd in flight) and by
   * preadv2 in a loop (one call per 4 KiB, the same offsets), interleaved.
   */
  /**
   * {@code noRing}: a mediator without io_uring (one preadv2 per random command), measured in the
   * same interleaving, or null where io_uring is unavailable anyway.
   */
  private void cachedCommands(
      Mediator m, Mediator noRing, Namespace ns, long span, BufferRegistry reg, boolean sequential)
      throws IOException {
    String kind = sequential ? "sequential" : "random";
    progress("cached 4 KiB " + kind + " commands: warming %d MiB of the file ...", span >> 20);
    prepare(ns.file(), false);
    int n = (int) Math.min(ops, 2_000_000);
    long blocks = span / 4096;
    SplittableRandom r = new SplittableRandom(1);
    long[] offs = new long[n];
    long[] lens = new long[n];
    long[] dests = new long[n];
    try (HostBuffer b = new HostBuffer(64L * 4096)) {
      reg.register(b.address(), b.capacity());
      for (int i = 0; i < n; i++) {
        offs[i] = (sequential ? i % blocks : r.nextLong(blocks)) * 4096;
        lens[i] = 4096;
        dests[i] = b.address() + (i % 64) * 4096L;
      }
      double[] homi = new double[reps];
      double[] plain = new double[reps];
      double[] raw = new double[reps];
      long inlineBefore = m.stats().snapshot().inline();
      progress(
          "cached 4 KiB "
              + kind
              + " commands: %d commands x (1 warm-up + %d runs), HOMI and the plain loop interleaved ...",
          n,
          reps);
      PathPolicy auto = new PathPolicy(PathPolicy.Mode.AUTO, 256 << 10);
      try (QueueClient c = new QueueClient(m, 64, 4096, auto);
          QueueClient c2 = noRing == null ? null : new QueueClient(noRing, 64, 4096, auto);
          HostBuffer iov = new HostBuffer(16)) {
        c.read(ns, offs, lens, dests); // JIT warm-up of every side, not counted
        if (c2 != null) c2.read(ns, offs, lens, dests);
        plainLoop(ns, iov, offs, dests);
        inlineBefore = m.stats().snapshot().inline();
        for (int rep = 0; rep < reps; rep++) {
          long t0 = System.nanoTime();
          c.read(ns, offs, lens, dests);
          homi[rep] = n / ((System.nanoTime() - t0) / 1e9);
          if (c2 != null) {
            t0 = System.nanoTime();
            c2.read(ns, offs, lens, dests);
            plain[rep] = n / ((System.nanoTime() - t0) / 1e9);
          }
          t0 = System.nanoTime();
          plainLoop(ns, iov, offs, dests);
          raw[rep] = n / ((System.nanoTime() - t0) / 1e9);
          progress(
              "cached 4 KiB "
                  + kind
                  + " commands: rep %d/%d: HOMI %.0f/s, HOMI without io_uring %.0f/s,"
                  + " plain preadv2 loop %.0f/s",
              rep + 1,
              reps,
              homi[rep],
              plain[rep],
              raw[rep]);
        }
      }
      long inline =
          m.stats().snapshot().inline() - inlineBefore; // of m alone: c2 counts on its own mediator
      double best = median(homi);
      double anchor = median(raw);
      reg.unregister(b.address());
      System.out.printf(
          "%n4 KiB %s reads of cached data (%d commands, median of %d interleaved runs, qd 63, one mediator"
              + " thread):%n",
          kind, n, reps);
      System.out.println("| measure | value |");
      System.out.println("|---|---|");
      System.out.printf("| HOMI commands/s through one mediator thread | %.0f |%n", best);
      System.out.printf(
          "| preadv2(RWF_NOWAIT) calls/s in a plain loop (anchor) | %.0f |%n", anchor);
      System.out.printf("| HOMI / anchor | %.0f%% |%n", 100 * best / anchor);
      if (noRing != null) {
        System.out.printf(
            "| HOMI without io_uring (old path: preadv2 per random command), commands/s | %.0f |%n",
            median(plain));
      }
      System.out.printf(
          "| mediator overhead per command (1/HOMI - 1/anchor) | %.2f us |%n",
          1e6 / best - 1e6 / anchor);
      System.out.printf(
          "| commands served inline on the service thread | %.1f%% |%n",
          100.0 * inline / ((double) reps * n));
      System.out.printf("| HOMI runs (commands/s) | %s |%n", list(homi));
      if (noRing != null)
        System.out.printf("| HOMI without io_uring runs (commands/s) | %s |%n", list(plain));
      System.out.printf("| anchor runs (calls/s) | %s |%n", list(raw));
    }
  }

  private static void plainLoop(Namespace ns, HostBuffer iov, long[] offs, long[] dests) {
    long iovAddr = iov.address();
    int fd = ns.file().fd();
    for (int i = 0; i < offs.length; i++) {
      iov.putLong(0, dests[i]);
      iov.putLong(8, 4096);
      try {
        Libc.preadv2(fd, iovAddr, 1, offs[i], Libc.RWF_NOWAIT);
      } catch (io.homi.runtime.os.ErrnoException e) {
        // EAGAIN: a page was evicted under memory pressure from others; the call was still made
      }
    }
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    java.util.Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }

  private static String list(double[] v) {
    StringBuilder b = new StringBuilder();
    for (double d : v) b.append(b.length() == 0 ? "" : ", ").append(String.format("%.0f", d));
    return b.toString();
  }

  /** Progress of a long phase, on stderr so the tables on stdout stay clean to paste. */
  private static void progress(String fmt, Object... args) {
    System.err.printf(
        "[bench %s] %s%n", java.time.LocalTime.now().withNano(0), String.format(fmt, args));
    System.err.flush();
  }

  /** /proc/loadavg's first three fields: how busy the (shared) machine was. */
  private static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (IOException | RuntimeException e) {
      return "?";
    }
  }

  /**
   * Whether fio runs here. A tool installs nothing: without fio it says how to get it and runs
   * without the anchor.
   */
  private static boolean haveFio() {
    if (runQuiet("fio", "--version") == 0) return true;
    System.err.println(
        "[bench] fio not found: the fio columns stay empty. Install it (Debian/Ubuntu: apt-get install fio;"
            + " in a checkout, scripts/install-test-tools.sh installs it with the other test tools) and run again.");
    return false;
  }

  private static String fioVersion() {
    try {
      Process pr = new ProcessBuilder("fio", "--version").redirectErrorStream(true).start();
      return new String(pr.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    } catch (IOException e) {
      return "?";
    }
  }

  private static int runQuiet(String... cmd) {
    try {
      Process pr =
          new ProcessBuilder(cmd)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      return pr.waitFor();
    } catch (IOException | InterruptedException e) {
      return -1;
    }
  }

  /**
   * fio on the same file, same bs and iodepth (libaio): O_DIRECT for the direct path and for auto
   * when cold (auto sends cold data to Direct), buffered otherwise; {bytes/s, IOPS}.
   */
  private double[] fio(OpenFile f, String path, boolean isCold, long size, String[] disk)
      throws IOException {
    boolean direct = path.equals("direct") || (path.equals("auto") && isCold);
    prepare(f, isCold);
    List<String> cmd =
        List.of(
            "fio",
            "--name=homi-anchor",
            "--filename=" + f.path(),
            "--rw=read",
            "--bs=" + bs,
            "--iodepth=" + qd,
            "--ioengine=libaio",
            "--direct=" + (direct ? 1 : 0),
            "--size=" + size,
            "--invalidate=" + (isCold ? 1 : 0),
            "--output-format=json");
    DiskStats d0 =
        DiskStats.sample(f.identity()); // includes fio's start-up: its qd reads a little low
    Process pr = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(pr.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    try {
      pr.waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    disk[0] = DiskStats.between(d0, DiskStats.sample(f.identity()));
    int readAt = out.indexOf("\"read\"");
    Matcher bw = Pattern.compile("\"bw_bytes\"\\s*:\\s*([0-9.]+)").matcher(out);
    Matcher iops = Pattern.compile("\"iops\"\\s*:\\s*([0-9.]+)").matcher(out);
    if (readAt < 0 || !bw.find(readAt) || !iops.find(readAt)) return null;
    return new double[] {Double.parseDouble(bw.group(1)), Double.parseDouble(iops.group(1))};
  }

  private static String human(long b) {
    return b % (1L << 20) == 0 ? (b >> 20) + "m" : (b >> 10) + "k";
  }
}
