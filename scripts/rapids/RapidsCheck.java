package homirapids;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The RAPIDS Accelerator over homi, on the GPU machine (scripts/rapids/device.sh runs it; see
 * scripts/rapids/README.md). With {@code spark.plugins=com.nvidia.spark.SQLPlugin} it runs TPC-H Q1,
 * Q6, a full-scan aggregate, a selective filter (lineitem, generated here by Spark if missing) and
 * an aggregate over a Hive-partitioned copy, each over
 * <ul>
 *   <li>{@code homi}: {@code format("homi")}, RAPIDS on (homi's output defaults to arrow under RAPIDS;
 *       RAPIDS keeps the scan on the CPU and puts its batches on the GPU with HostColumnarToGpu;
 *       {@code homi.rapidsBridge=false}),
 *   <li>{@code homi-bridge}: {@code format("homi")}, RAPIDS on, with {@code HomiRapidsExtension}
 *       ({@code spark.sql.extensions}): the scan decodes on the GPU and hands RAPIDS GPU columns; the
 *       check says per query whether the bridge was used (the scan's description says "RAPIDS bridge"
 *       and no HostColumnarToGpu is in the plan) and how many row groups the GPU decoded,
 *   <li>{@code parquet-gpu}: {@code format("parquet")}, RAPIDS on (RAPIDS' own GPU Parquet scan),
 *   <li>{@code parquet-cpu}: {@code format("parquet")}, RAPIDS off ({@code spark.rapids.sql.enabled=false}),
 * </ul>
 * and prints: whether each engine's answer equals parquet-cpu's, the plans (once), how many host
 * batches HostColumnarToGpu took on its Arrow path (its DEBUG lines, logged to a file by
 * log4j2.properties beside this file), and a table of cold (page cache dropped, where allowed) and
 * warm median times with the ratios. Doubles are compared to 9 significant digits: GPU and CPU
 * sum in different orders.
 *
 * <p>Usage: RapidsCheck DATA_DIR ROWS WARM_REPS [OUT_DIR]. DATA_DIR/lineitem and
 * DATA_DIR/lineitem_part are written when missing (ROWS lineitem rows; 60,000,000 is TPC-H SF 10);
 * WARM_REPS 0 only writes them.
 */
public final class RapidsCheck {
  // homi-bridge last in each query: should it fail, the other three have their answers and times.
  private static final String[] ENGINES = {"homi", "parquet-gpu", "parquet-cpu", "homi-bridge"};
  private static final String BRIDGE_MARK = "RAPIDS bridge: GPU columns"; // in the bridged HomiScan's description
  private static final Map<String, String> QUERIES = new LinkedHashMap<>();

  static {
    QUERIES.put("q1", """
        SELECT l_returnflag, l_linestatus, sum(l_quantity) AS sum_qty, sum(l_extendedprice) AS sum_base_price,
          sum(l_extendedprice * (1 - l_discount)) AS sum_disc_price,
          sum(l_extendedprice * (1 - l_discount) * (1 + l_tax)) AS sum_charge, avg(l_quantity) AS avg_qty,
          avg(l_extendedprice) AS avg_price, avg(l_discount) AS avg_disc, count(*) AS count_order
        FROM %s WHERE l_shipdate <= date_sub(DATE'1998-12-01', 90)
        GROUP BY l_returnflag, l_linestatus ORDER BY l_returnflag, l_linestatus""");
    QUERIES.put("q6", """
        SELECT sum(l_extendedprice * l_discount) AS revenue FROM %s
        WHERE l_shipdate >= DATE'1994-01-01' AND l_shipdate < DATE'1995-01-01'
          AND l_discount BETWEEN 0.05 AND 0.07 AND l_quantity < 24""");
    QUERIES.put("scan-agg", """
        SELECT count(*), sum(l_orderkey), sum(l_partkey), sum(l_suppkey), sum(l_linenumber), sum(l_quantity),
          sum(l_extendedprice), sum(l_discount), sum(l_tax), count(DISTINCT l_returnflag), count(DISTINCT l_linestatus),
          min(l_shipdate), max(l_commitdate), max(l_receiptdate), max(l_shipinstruct), min(l_shipmode),
          sum(length(l_comment)) FROM %s""");
    QUERIES.put("filter", """
        SELECT l_orderkey, l_linenumber, l_partkey, l_extendedprice, l_shipdate, l_comment FROM %s
        WHERE l_partkey = 4242 ORDER BY l_orderkey, l_linenumber""");
    QUERIES.put("partitioned", """
        SELECT l_shipyear, l_returnflag, count(*), sum(l_extendedprice), avg(l_discount) FROM %s_part
        WHERE l_shipyear BETWEEN 1994 AND 1996 GROUP BY l_shipyear, l_returnflag ORDER BY l_shipyear, l_returnflag""");
  }

  private RapidsCheck() {}

  public static void main(String[] a) throws Exception {
    Path data = Path.of(a[0]);
    long rows = Long.parseLong(a[1]);
    int reps = Integer.parseInt(a[2]);
    Path out = Path.of(a.length > 3 ? a[3] : ".");
    Path debugLog = Path.of(System.getProperty("homi.rapids.debugLog", "/tmp/homi-rapids-debug.log"));
    // As spark-submit does: a mutable context class loader, into which RAPIDS' ShimLoader adds its
    // spark411/ parallel world (with the JVM's app class loader plugin init fails).
    Thread.currentThread().setContextClassLoader(
        new org.apache.spark.util.MutableURLClassLoader(new java.net.URL[0], RapidsCheck.class.getClassLoader()));
    int cores = Runtime.getRuntime().availableProcessors();
    // -Dhomi.rapids.plugin=false: a rehearsal without a GPU (no plugin: every engine on the CPU)
    boolean plugin = !"false".equals(System.getProperty("homi.rapids.plugin"));
    SparkSession spark = SparkSession.builder().master("local[" + cores + "]").appName("homi-rapids-check")
        .config("spark.plugins", plugin ? "com.nvidia.spark.SQLPlugin" : "")
        .config("spark.sql.extensions", "io.homi.spark.rapids.HomiRapidsExtension") // homi-bridge; inert for the others
        // homi's GPU decode (homi-bridge) allocates outside RAPIDS' pool: leave it room (all engines alike)
        .config("spark.rapids.memory.gpu.allocFraction", "0.6")
        .config("spark.rapids.memory.gpu.maxAllocFraction", "0.6")
        .config("spark.rapids.sql.enabled", "true")
        .config("spark.rapids.sql.explain", "NOT_ON_GPU")
        .config("spark.rapids.sql.concurrentGpuTasks", "2")
        .config("spark.rapids.memory.pinnedPool.size", plugin ? "4g" : "0")
        .config("spark.sql.shuffle.partitions", String.valueOf(cores))
        .config("spark.sql.adaptive.enabled", "false")
        .config("spark.ui.enabled", "false")
        .getOrCreate();
    System.out.println("spark " + spark.version() + ", " + cores + " cores, RAPIDS plugin: " + spark.conf().get("spark.plugins"));

    generate(spark, data, rows);
    if (reps == 0) {
      spark.stop();
      return;
    }
    for (String v : new String[] {"homi", "homi_bridge"}) {
      String bridge = String.valueOf(v.equals("homi_bridge"));
      spark.read().format("homi").option("homi.rapidsBridge", bridge).load(data.resolve("lineitem").toString())
          .createOrReplaceTempView(v);
      spark.read().format("homi").option("homi.rapidsBridge", bridge).load(data.resolve("lineitem_part").toString())
          .createOrReplaceTempView(v + "_part");
    }
    for (String v : new String[] {"parquet-gpu", "parquet-cpu"}) {
      String name = v.replace('-', '_');
      spark.read().parquet(data.resolve("lineitem").toString()).createOrReplaceTempView(name);
      spark.read().parquet(data.resolve("lineitem_part").toString()).createOrReplaceTempView(name + "_part");
    }

    StringBuilder table = new StringBuilder();
    table.append(String.format("%-12s %-12s %-6s %10s %10s %8s %8s %8s  %s%n", "query", "engine", "equal", "cold s",
        "warm s", "vs gpu", "vs cpu", "vs homi", "plan"));
    int bad = 0;
    int bridged = 0;
    for (Map.Entry<String, String> q : QUERIES.entrySet()) {
      Map<String, List<String>> answers = new LinkedHashMap<>();
      Map<String, double[]> times = new LinkedHashMap<>();
      Map<String, String> planNotes = new LinkedHashMap<>();
      for (String engine : ENGINES) {
        spark.conf().set("spark.rapids.sql.enabled", String.valueOf(!engine.equals("parquet-cpu")));
        String sql = String.format(q.getValue(), engine.replace('-', '_'));
        try {
          long arrowBefore = count(debugLog, "Using GpuArrowColumnarBatchBuilder");
          long rowsBefore = count(debugLog, "Using GpuColumnarBatchBuilder");
          double cold = -1;
          if (dropCaches()) cold = time(spark.sql(sql), null);
          List<String> answer = new ArrayList<>();
          double[] warm = new double[reps];
          String scanMetrics = "";
          for (int r = 0; r < reps; r++) {
            Dataset<Row> run = spark.sql(sql);
            warm[r] = time(run, r == 0 ? answer : null);
            if (r == 0) scanMetrics = homiScanMetrics(run.queryExecution().executedPlan());
          }
          Arrays.sort(warm);
          times.put(engine, new double[] {cold, warm[reps / 2]});
          answers.put(engine, answer);
          Dataset<Row> df = spark.sql(sql);
          String plan = df.queryExecution().executedPlan().toString();
          System.out.printf("%n== %s / %s: executed plan%n%s", q.getKey(), engine, plan);
          long arrowBatches = count(debugLog, "Using GpuArrowColumnarBatchBuilder") - arrowBefore;
          long valueBatches = count(debugLog, "Using GpuColumnarBatchBuilder") - rowsBefore;
          String note = notes(engine, plan, arrowBatches, valueBatches);
          if (engine.equals("homi-bridge")) {
            boolean used = plan.contains(BRIDGE_MARK) && !plan.contains("HostColumnarToGpu");
            if (used) bridged++;
            note = (used ? "BRIDGE USED" : "BRIDGE NOT USED") + ", " + note;
            System.out.printf("%s / homi-bridge: %s; homi scan metrics: %s%n", q.getKey(), used ? "BRIDGE USED" : "BRIDGE NOT USED",
                scanMetrics);
          }
          if (engine.startsWith("homi") && !scanMetrics.isEmpty()) note += ", " + scanMetrics;
          planNotes.put(engine, note);
        } catch (RuntimeException e) { // a failed engine is a row of the table, not the end of the run
          String why = String.valueOf(e.getMessage()).lines().findFirst().orElse("");
          System.out.printf("%n== %s / %s: FAILED%n", q.getKey(), engine);
          e.printStackTrace(System.out);
          times.put(engine, new double[] {-1, Double.NaN});
          answers.put(engine, List.of("FAILED"));
          planNotes.put(engine, "FAILED: " + e.getClass().getSimpleName() + ": " + why.substring(0, Math.min(200, why.length())));
        }
      }
      List<String> ref = answers.get("parquet-cpu");
      for (String engine : ENGINES) {
        boolean equal = answers.get(engine).equals(ref);
        if (!equal) {
          bad++;
          System.out.printf("DIFF %s %s: %d rows vs %d; first: %s vs %s%n", q.getKey(), engine, answers.get(engine).size(),
              ref.size(), answers.get(engine).isEmpty() ? "-" : answers.get(engine).get(0), ref.isEmpty() ? "-" : ref.get(0));
        }
        double[] t = times.get(engine);
        double[] gpu = times.get("parquet-gpu");
        double[] cpu = times.get("parquet-cpu");
        double[] arrow = times.get("homi");
        table.append(String.format(Locale.ROOT, "%-12s %-12s %-6s %10s %10.3f %8.2f %8.2f %8.2f  %s%n", q.getKey(), engine,
            equal ? "yes" : "NO", t[0] < 0 ? "n/a" : String.format(Locale.ROOT, "%.3f", t[0]), t[1], t[1] / gpu[1],
            t[1] / cpu[1], t[1] / arrow[1], planNotes.get(engine)));
      }
      Files.writeString(out.resolve("table.txt"), table); // so far: a run cut short keeps what it measured
    }
    String summary = String.format("%n== homi over RAPIDS: %,d lineitem rows, warm = median of %d, ratios of warm medians"
        + " (vs gpu: / parquet-gpu, vs cpu: / parquet-cpu, vs homi: / homi's arrow path)%n%s%s%nhomi-bridge: bridge used in %d of %d"
        + " queries (HomiRapidsExtension: no HostColumnarToGpu above the homi scan)%n", rows, reps, table,
        bad == 0 ? "ALL EQUAL" : bad + " ANSWER(S) DIFFER", bridged, QUERIES.size());
    System.out.print(summary);
    Files.writeString(out.resolve("table.txt"), summary);
    spark.stop();
    System.exit(bad == 0 ? 0 : 1);
  }

  /** What the plan shows: where the scan ran and, for homi, how RAPIDS took its batches. */
  private static String notes(String engine, String plan, long arrowBatches, long valueBatches) {
    List<String> n = new ArrayList<>();
    if (plan.contains("GpuBatchScan") || plan.contains("GpuFileSourceScan") || plan.contains("GpuScan")) n.add("GPU scan");
    if (plan.contains("HostColumnarToGpu")) n.add("HostColumnarToGpu");
    if (plan.contains("GpuColumnarExchange")) n.add("GpuColumnarExchange");
    if (plan.contains("output=arrow")) n.add("homi output=arrow");
    if (engine.startsWith("homi")) n.add("GPU batches built from Arrow buffers " + arrowBatches + ", value by value " + valueBatches);
    if (!plan.contains("Gpu")) n.add("CPU only");
    return String.join(", ", n);
  }

  /** homi's GPU metrics of the scans in an executed plan (row groups decoded on the GPU, refused, on host output). */
  private static String homiScanMetrics(org.apache.spark.sql.execution.SparkPlan plan) {
    Map<String, Long> sums = new java.util.TreeMap<>();
    List<org.apache.spark.sql.execution.SparkPlan> todo = new ArrayList<>(List.of(plan));
    while (!todo.isEmpty()) {
      org.apache.spark.sql.execution.SparkPlan p = todo.remove(todo.size() - 1);
      todo.addAll(scala.jdk.javaapi.CollectionConverters.asJava(p.children()));
      if (!p.getClass().getSimpleName().equals("BatchScanExec")) continue;
      scala.jdk.javaapi.CollectionConverters.asJava(p.metrics()).forEach((k, m) -> {
        if (k.equals("homiGpuRowGroups") || k.equals("homiGpuRefusedRowGroups") || k.equals("homiHostFallbackRowGroups")
            || k.equals("homiGpuOutOfMemoryRowGroups")) {
          sums.merge(k.replace("homi", "").replace("RowGroups", ""), m.value(), Long::sum);
        }
      });
    }
    return sums.isEmpty() ? "" : "homi row groups " + sums;
  }

  /** Seconds of one collect; fills {@code answer} with the canonical rows when given. */
  private static double time(Dataset<Row> df, List<String> answer) {
    long t0 = System.nanoTime();
    List<Row> rows = df.collectAsList();
    double s = (System.nanoTime() - t0) / 1e9;
    if (answer != null) for (Row r : rows) answer.add(canonical(r));
    return s;
  }

  private static String canonical(Row r) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < r.length(); i++) {
      Object v = r.get(i);
      b.append(i == 0 ? "" : "|").append(v instanceof Double d ? String.format(Locale.ROOT, "%.9g", d) : String.valueOf(v));
    }
    return b.toString();
  }

  /** Drops the page cache (root on the GPU machine); false where not allowed. */
  private static boolean dropCaches() {
    try {
      new ProcessBuilder("sync").inheritIO().start().waitFor();
      Files.writeString(Path.of("/proc/sys/vm/drop_caches"), "3");
      return true;
    } catch (IOException | InterruptedException | RuntimeException e) {
      return false;
    }
  }

  private static long count(Path log, String needle) {
    try (var lines = Files.lines(log)) {
      return lines.filter(l -> l.contains(needle)).count();
    } catch (IOException | java.io.UncheckedIOException e) {
      return 0;
    }
  }

  /**
   * TPC-H-like lineitem (doubles for the money columns: RAPIDS' Arrow copy takes no decimals), written
   * by Spark on the CPU, and the same rows partitioned by ship year.
   */
  private static void generate(SparkSession spark, Path data, long rows) {
    Path li = data.resolve("lineitem");
    Path part = data.resolve("lineitem_part");
    if (Files.isDirectory(li) && Files.isDirectory(part)) {
      System.out.println("data: " + li + " (had)");
      return;
    }
    spark.conf().set("spark.rapids.sql.enabled", "false");
    long t0 = System.nanoTime();
    long parts = Math.max(1, rows / 2_000_000);
    Dataset<Row> df = spark.range(0, rows, 1, (int) parts).selectExpr(
        "id DIV 4 * 4 + 1 AS l_orderkey",
        "CAST(pmod(xxhash64(id, 1), 200000 * " + Math.max(1, rows / 6_000_000) + ") + 1 AS BIGINT) AS l_partkey",
        "CAST(pmod(xxhash64(id, 2), 10000 * " + Math.max(1, rows / 6_000_000) + ") + 1 AS BIGINT) AS l_suppkey",
        "CAST(id % 4 + 1 AS INT) AS l_linenumber",
        "CAST(pmod(xxhash64(id, 3), 50) + 1 AS DOUBLE) AS l_quantity",
        "CAST(pmod(xxhash64(id, 4), 10000000) AS DOUBLE) / 100 + 900 AS l_extendedprice",
        "CAST(pmod(xxhash64(id, 5), 11) AS DOUBLE) / 100 AS l_discount",
        "CAST(pmod(xxhash64(id, 6), 9) AS DOUBLE) / 100 AS l_tax",
        "date_add(DATE'1992-01-02', CAST(pmod(xxhash64(id, 7), 2526) AS INT)) AS l_shipdate",
        "date_add(DATE'1992-01-31', CAST(pmod(xxhash64(id, 8), 2466) AS INT)) AS l_commitdate",
        "date_add(DATE'1992-01-03', CAST(pmod(xxhash64(id, 9), 2556) AS INT)) AS l_receiptdate",
        "element_at(array('DELIVER IN PERSON', 'COLLECT COD', 'NONE', 'TAKE BACK RETURN'),"
            + " CAST(pmod(xxhash64(id, 10), 4) + 1 AS INT)) AS l_shipinstruct",
        "element_at(array('REG AIR', 'AIR', 'RAIL', 'SHIP', 'TRUCK', 'MAIL', 'FOB'),"
            + " CAST(pmod(xxhash64(id, 11), 7) + 1 AS INT)) AS l_shipmode",
        "substr(concat(sha1(CAST(id AS STRING)), md5(CAST(id AS STRING))), 1, CAST(pmod(xxhash64(id, 12), 34) + 10 AS INT))"
            + " AS l_comment")
        .selectExpr("*", "IF(l_receiptdate <= DATE'1995-06-17', IF(pmod(xxhash64(l_orderkey), 2) = 0, 'R', 'A'), 'N')"
            + " AS l_returnflag", "IF(l_shipdate > DATE'1995-06-17', 'O', 'F') AS l_linestatus");
    df.write().mode("overwrite").parquet(li.toString());
    spark.read().parquet(li.toString()).selectExpr("*", "year(l_shipdate) AS l_shipyear").write().mode("overwrite")
        .partitionBy("l_shipyear").parquet(part.toString());
    spark.conf().set("spark.rapids.sql.enabled", "true");
    try {
      Files.writeString(data.resolve("rows"), String.valueOf(rows)); // device.sh run reads it back
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    System.out.printf("data: %,d rows written to %s and %s in %.1f s%n", rows, li, part, (System.nanoTime() - t0) / 1e9);
  }
}
