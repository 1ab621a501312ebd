package io.homi.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The benchmark harness: generates (or reuses) the tables, then runs every query through each
 * reader in one JVM and one SparkSession, readers alternating, after warm-up; warm runs, then cold
 * runs with the table's files evicted from the page cache. Every answer is checked against Spark
 * V1's; a reader that refuses a table (HOMI's "unsupported: ...") gets that as its cell.
 *
 * <p>Entry points: {@link #main} (bin/homi-bench, mvn -Pbench) and {@link #run} (tests).
 */
public final class Bench {
  /** One table as written: where, how big, and the queries run on it. */
  record Table(
      String name,
      String view,
      Path dir,
      long rows,
      long bytes,
      List<Path> files,
      int rowGroups,
      List<Query> queries) {}

  record Query(String id, String sql) {}

  /** All runs of one reader on one query in one mode. */
  record Cell(
      String table,
      String query,
      String mode,
      Reader reader,
      List<Double> seconds,
      String status,
      String scan,
      long tableRows,
      long residentAfterEvict) {
    double median() {
      return Stats.median(seconds);
    }
  }

  /** Seconds between progress lines while a table is generated. */
  static final long PROGRESS_SECONDS = Long.getLong("homi.bench.progressSeconds", 5);

  private final SparkSession spark;
  private final BenchOptions opts;
  private final PrintStream log;
  private final String defaultV1List;

  private Bench(SparkSession spark, BenchOptions opts, PrintStream log) {
    this.spark = spark;
    this.opts = opts;
    this.log = log;
    this.defaultV1List = spark.conf().get(Reader.V1_LIST);
  }

  public static void main(String[] args) throws Exception {
    Path base = Path.of(System.getProperty("homi.bench.dir", "target"));
    BenchOptions opts;
    try {
      opts = BenchOptions.parse(args, base);
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      System.exit(2);
      return;
    }
    SparkSession spark = session(opts.master());
    int rc;
    try {
      Report report = run(spark, opts, System.out);
      rc = report == null || report.mismatches() == 0 ? 0 : 1;
    } finally {
      spark.stop();
    }
    System.exit(rc);
  }

  static SparkSession session(String master) {
    return SparkSession.builder()
        .master(master)
        .appName("homi-bench")
        .config("spark.ui.enabled", "false")
        .config(
            "spark.sql.shuffle.partitions",
            String.valueOf(2 * Runtime.getRuntime().availableProcessors()))
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate();
  }

  /**
   * Generates what is missing, runs, writes the results; returns the report (null for generate
   * only).
   */
  public static Report run(SparkSession spark, BenchOptions opts, PrintStream log)
      throws IOException {
    Bench b = new Bench(spark, opts, log);
    // A refused table fails its Spark job; runs.log keeps the stack trace, the console stays
    // readable.
    for (String quiet :
        List.of(
            "org.apache.spark.executor.Executor", "org.apache.spark.scheduler.TaskSetManager")) {
      org.apache.logging.log4j.core.config.Configurator.setLevel(
          quiet, org.apache.logging.log4j.Level.OFF);
    }
    log.println("[homi-bench] " + opts.describe());
    log.println("[homi-bench] data: " + opts.data());
    List<Table> tables = b.prepare();
    if (opts.generateOnly()) return null;
    Files.createDirectories(opts.out());
    Env env = Env.capture(opts.data());
    log.println("[homi-bench] machine: " + env.summary());
    List<Cell> cells = new ArrayList<>();
    long t0 = System.nanoTime();
    try (PrintStream details =
        new PrintStream(Files.newOutputStream(opts.out().resolve("runs.log")), true)) {
      for (Table t : tables) cells.addAll(b.runTable(t, details));
    } finally {
      spark.conf().set(Reader.V1_LIST, b.defaultV1List);
    }
    env.finish((System.nanoTime() - t0) / 1e9);
    Report r = new Report(opts, env, tables, cells);
    r.write(opts.out());
    log.println();
    log.println(r.table());
    log.println("[homi-bench] results: " + opts.out());
    return r;
  }

  // ---- data ------------------------------------------------------------------------------------

  private List<Table> prepare() throws IOException {
    List<Table> tables = new ArrayList<>();
    String rg = "rg" + (opts.rowGroupBytes() >> 20) + "m";
    if (opts.tables().contains("lineitem")) {
      for (String codec : opts.codecs()) {
        for (String layout : opts.layouts()) {
          boolean direct = layout.equals("direct");
          String name =
              "lineitem"
                  + (opts.doubleDecimals() ? "-double" : "")
                  + "-"
                  + codec
                  + (direct ? "-direct" : "");
          Path dir =
              opts.data()
                  .resolve(
                      name
                          + "-sf"
                          + BenchOptions.fmt(opts.sf())
                          + "-"
                          + (direct ? "split" : rg)
                          + "-f"
                          + opts.files());
          generate(
              dir,
              () -> Lineitem.generate(spark, opts.sf(), opts.files(), opts.doubleDecimals()),
              codec,
              Lineitem.rows(opts.sf()),
              Lineitem.GENERATED::sum,
              direct);
          tables.add(describe(name, "lineitem", dir, lineitemQueries()));
        }
      }
    }
    if (opts.tables().contains("types")) {
      for (TypeTables.Table tt : TypeTables.ALL) {
        if (!opts.wants("type_" + tt.name())) continue;
        Path dir =
            opts.data()
                .resolve("types-rows" + opts.typeRows() + "-" + rg + "-f" + opts.files())
                .resolve(tt.name());
        generate(
            dir,
            () -> {
              spark
                  .range(0, opts.typeRows(), 1, opts.files())
                  .createOrReplaceTempView("homi_bench_range");
              return spark.sql("SELECT " + tt.select() + " FROM homi_bench_range");
            },
            "snappy",
            opts.typeRows(),
            null,
            false);
        tables.add(
            describe(
                "type-" + tt.name(),
                "t",
                dir,
                List.of(new Query("type_" + tt.name(), tt.query()))));
      }
    }
    return tables;
  }

  /**
   * Writes the table unless a finished one is there; progress goes to stderr every few seconds
   * ({@code liveRows}: the generator's row counter, or null).
   */
  private void generate(
      Path dir,
      java.util.function.Supplier<Dataset<Row>> data,
      String codec,
      long rows,
      java.util.function.LongSupplier liveRows,
      boolean directLayout)
      throws IOException {
    Path done = dir.resolve("_homi_bench_done");
    if (Files.exists(done) && !opts.regen()) return;
    log.printf(Locale.ROOT, "[homi-bench] generating %s (%s) ...%n", dir.getFileName(), codec);
    long t0 = System.nanoTime();
    long before = liveRows == null ? 0 : liveRows.getAsLong();
    String name = opts.data().relativize(dir).toString();
    try (GenerationProgress p =
        new GenerationProgress(
            spark.sparkContext(),
            name,
            rows,
            dir,
            liveRows == null ? null : () -> liveRows.getAsLong() - before,
            System.err,
            PROGRESS_SECONDS)) {
      if (directLayout) {
        // homi's write layout decides the row-group size (one read split), so no block size here
        data.get()
            .write()
            .format("homi")
            .mode("overwrite")
            .option("compression", codec)
            .option("homi.writeLayout", "direct")
            .save(dir.toString());
      } else {
        data.get()
            .write()
            .mode("overwrite")
            .option("compression", codec)
            .option("parquet.block.size", String.valueOf(opts.rowGroupBytes()))
            .parquet(dir.toString());
      }
      p.stopTimer();
      System.err.println(p.line());
    }
    Files.writeString(done, opts.describe() + "\n");
    log.printf(Locale.ROOT, "[homi-bench]   done in %.1f s%n", (System.nanoTime() - t0) / 1e9);
  }

  private Table describe(String name, String view, Path dir, List<Query> queries)
      throws IOException {
    List<Path> files;
    try (Stream<Path> s = Files.list(dir)) {
      files = s.filter(p -> p.getFileName().toString().endsWith(".parquet")).sorted().toList();
    }
    long bytes = 0;
    long rows = 0;
    int groups = 0;
    org.apache.hadoop.conf.Configuration conf = new org.apache.hadoop.conf.Configuration();
    for (Path f : files) {
      bytes += Files.size(f);
      try (var r =
          org.apache.parquet.hadoop.ParquetFileReader.open(
              org.apache.parquet.hadoop.util.HadoopInputFile.fromPath(
                  new org.apache.hadoop.fs.Path(f.toUri()), conf))) {
        groups += r.getRowGroups().size();
        rows += r.getRecordCount();
      }
    }
    List<Query> qs = queries.stream().filter(q -> opts.wants(q.id())).toList();
    return new Table(name, view, dir, rows, bytes, files, groups, qs);
  }

  private List<Query> lineitemQueries() {
    long total = Lineitem.rows(opts.sf());
    long k = Lineitem.orderKey(total / 8); // about the middle order of the table
    return List.of(
        new Query("count", "SELECT count(*) FROM lineitem"),
        new Query(
            "sum_all",
            """
            SELECT sum(l_orderkey), sum(l_partkey), sum(l_suppkey), sum(l_linenumber), sum(l_quantity),
                   sum(l_extendedprice), sum(l_discount), sum(l_tax), sum(length(l_returnflag)),
                   sum(length(l_linestatus)), sum(unix_date(l_shipdate)), sum(unix_date(l_commitdate)),
                   sum(unix_date(l_receiptdate)), sum(length(l_shipinstruct)), sum(length(l_shipmode)),
                   sum(length(l_comment))
            FROM lineitem"""),
        new Query(
            "q1",
            """
            SELECT l_returnflag, l_linestatus, sum(l_quantity) AS sum_qty, sum(l_extendedprice) AS sum_base_price,
                   sum(l_extendedprice * (1 - l_discount)) AS sum_disc_price,
                   sum(l_extendedprice * (1 - l_discount) * (1 + l_tax)) AS sum_charge,
                   avg(l_quantity) AS avg_qty, avg(l_extendedprice) AS avg_price, avg(l_discount) AS avg_disc,
                   count(*) AS count_order
            FROM lineitem
            WHERE l_shipdate <= date '1998-12-01' - interval '90' day
            GROUP BY l_returnflag, l_linestatus
            ORDER BY l_returnflag, l_linestatus"""),
        new Query(
            "q6",
            """
            SELECT sum(l_extendedprice * l_discount) AS revenue
            FROM lineitem
            WHERE l_shipdate >= date '1994-01-01' AND l_shipdate < date '1994-01-01' + interval '1' year
              AND l_discount BETWEEN 0.06 - 0.01 AND 0.06 + 0.01 AND l_quantity < 24"""),
        new Query(
            "filter",
            "SELECT count(*), sum(l_quantity), max(l_comment) FROM lineitem WHERE l_orderkey BETWEEN "
                + k
                + " AND "
                + (k + 2000)));
  }

  // ---- runs ------------------------------------------------------------------------------------

  private List<Cell> runTable(Table t, PrintStream details) throws IOException {
    List<Cell> cells = new ArrayList<>();
    log.printf(
        Locale.ROOT,
        "[homi-bench] %s: %,d rows, %,d bytes in %d files, %d row groups%n",
        t.name(),
        t.rows(),
        t.bytes(),
        t.files().size(),
        t.rowGroups());
    for (Query q : t.queries()) {
      Map<Reader, Run> state = new LinkedHashMap<>();
      for (Reader r : opts.readers()) state.put(r, new Run());
      for (int w = 0; w < opts.warmup(); w++) {
        for (Reader r : opts.readers()) once(t, q, r, state.get(r), "warmup", details);
      }
      List<Reader> readers = opts.readers();
      Map<Reader, List<Double>> warm = new LinkedHashMap<>();
      for (Reader r : readers) warm.put(r, new ArrayList<>());
      for (int rep = 0; rep < opts.reps(); rep++) {
        for (Reader r : rotate(readers, rep)) {
          Double s = once(t, q, r, state.get(r), "warm", details);
          if (s != null) warm.get(r).add(s);
        }
      }
      check(t, q, state);
      for (Reader r : readers) cells.add(cell(t, q, "warm", r, warm.get(r), state.get(r), -1));
      if (opts.coldReps() > 0 && opts.coldQueries().contains(q.id())) {
        Map<Reader, List<Double>> cold = new LinkedHashMap<>();
        long resident = 0;
        for (Reader r : readers) cold.put(r, new ArrayList<>());
        for (int rep = 0; rep < opts.coldReps(); rep++) {
          for (Reader r : rotate(readers, rep)) {
            if (state.get(r).status != null) continue;
            PageCache.evict(opts.cold(), t.files());
            long res = PageCache.residentBytes(t.files());
            resident = Math.max(resident, res);
            Double s = once(t, q, r, state.get(r), "cold", details);
            if (s != null) cold.get(r).add(s);
          }
        }
        for (Reader r : readers)
          cells.add(cell(t, q, "cold", r, cold.get(r), state.get(r), resident));
      }
      StringBuilder line =
          new StringBuilder(String.format(Locale.ROOT, "[homi-bench]   %-8s", q.id()));
      for (Cell c :
          cells.subList(
              cells.size()
                  - readers.size()
                      * (opts.coldReps() > 0 && opts.coldQueries().contains(q.id()) ? 2 : 1),
              cells.size())) {
        line.append(
            String.format(
                Locale.ROOT,
                "  %s/%s %s",
                c.reader().label,
                c.mode(),
                c.seconds().isEmpty()
                    ? c.status()
                    : String.format(Locale.ROOT, "%.3fs", c.median())));
      }
      log.println(line);
    }
    return cells;
  }

  /** What one reader did on one query: its first answer, the scan it used, a refusal or error. */
  private static final class Run {
    List<Row> answer;
    String scan = "";
    String status; // null while fine
    boolean mismatch;
  }

  private Double once(Table t, Query q, Reader r, Run run, String phase, PrintStream details) {
    if (run.status != null) return null;
    long t0 = System.nanoTime();
    Dataset<Row> result;
    List<Row> rows;
    try {
      Dataset<Row> df = r.load(spark, t.dir().toString(), defaultV1List);
      df.createOrReplaceTempView(t.view());
      result = spark.sql(q.sql());
      rows = result.collectAsList();
    } catch (Exception e) { // SparkException is checked, and Scala throws it undeclared
      run.status = refusal(e);
      details.printf(
          Locale.ROOT, "%s %s %s %s FAILED: %s%n", t.name(), q.id(), r.label, phase, run.status);
      e.printStackTrace(details);
      return null;
    }
    double s = (System.nanoTime() - t0) / 1e9;
    if (run.answer == null) {
      run.answer = rows;
      run.scan = Reader.scanOf(result);
      if (!r.ran(run.scan)) {
        run.status = "error: expected " + r.label + " but the plan ran " + run.scan;
        return null;
      }
    }
    details.printf(Locale.ROOT, "%s %s %s %s %.4f%n", t.name(), q.id(), r.label, phase, s);
    return s;
  }

  /** Each reader's answer against Spark V1's (V2's when V1 did not run). */
  private void check(Table t, Query q, Map<Reader, Run> state) {
    Run ref =
        state.containsKey(Reader.V1) && state.get(Reader.V1).answer != null
            ? state.get(Reader.V1)
            : state.containsKey(Reader.V2) ? state.get(Reader.V2) : null;
    if (ref == null || ref.answer == null) return;
    for (Map.Entry<Reader, Run> e : state.entrySet()) {
      Run run = e.getValue();
      if (run == ref || run.answer == null || run.status != null) continue;
      String diff = Answers.diff(ref.answer, run.answer);
      if (diff != null) {
        run.mismatch = true;
        run.status = "MISMATCH: " + diff;
        log.printf(
            Locale.ROOT,
            "[homi-bench] %s %s: %s answers differently from Spark: %s%n",
            t.name(),
            q.id(),
            e.getKey().label,
            diff);
      }
    }
  }

  private Cell cell(
      Table t, Query q, String mode, Reader r, List<Double> secs, Run run, long resident) {
    String status = run.status != null ? run.status : secs.isEmpty() ? "no runs" : "ok";
    return new Cell(
        t.name(), q.id(), mode, r, List.copyOf(secs), status, run.scan, t.rows(), resident);
  }

  private static List<Reader> rotate(List<Reader> readers, int by) {
    List<Reader> l = new ArrayList<>(readers);
    java.util.Collections.rotate(l, -(by % Math.max(1, l.size())));
    return l;
  }

  /** "unsupported: column 'x' ..." when HOMI refused the table, else "error: Class: message". */
  static String refusal(Throwable e) {
    for (Throwable c = e; c != null; c = c.getCause()) {
      String m = c.getMessage();
      if (m != null && m.contains("unsupported: ")) {
        String u = m.substring(m.indexOf("unsupported: "));
        int in = u.indexOf(" in /");
        u = in > 0 ? u.substring(0, in) : u;
        int nl = u.indexOf('\n');
        return nl > 0 ? u.substring(0, nl) : u;
      }
    }
    Throwable root = e;
    while (root.getCause() != null) root = root.getCause();
    String m = String.valueOf(root.getMessage());
    int nl = m.indexOf('\n');
    return "error: " + root.getClass().getSimpleName() + ": " + (nl > 0 ? m.substring(0, nl) : m);
  }
}
