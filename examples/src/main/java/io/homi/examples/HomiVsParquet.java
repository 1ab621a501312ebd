package io.homi.examples;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.round;
import static org.apache.spark.sql.functions.sum;

import io.homi.runtime.HomiRuntime;
import io.homi.runtime.mediator.PathStats;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The same query through {@code format("homi")} and {@code format("parquet")} on the same files:
 * wall time of each run, the median, their ratio, the bytes each HOMI I/O path served, and a check
 * that the answers agree. The files were just written, so they are warm in the page cache: expect
 * the OS path to serve most bytes under {@code homi.path=auto}; pass {@code direct} (or {@code
 * device}) as the third argument to force a cold path.
 *
 * <p>Usage: HomiVsParquet [rows] [directory] [homi.path] [runs] (defaults: 2,000,000,
 * target/homi-examples, auto, 3)
 */
public final class HomiVsParquet {
  private HomiVsParquet() {}

  /** Medians and the bytes per path of one comparison, for callers (the notebook, tests). */
  public record Result(
      long[] homiMs, long[] parquetMs, PathStats.Snapshot homiPaths, boolean same) {
    public double homiMedianMs() {
      return median(homiMs);
    }

    public double parquetMedianMs() {
      return median(parquetMs);
    }
  }

  public static void main(String[] args) throws Exception {
    long rows = args.length > 0 ? Long.parseLong(args[0]) : 2_000_000L;
    Path dir =
        Path.of(args.length > 1 ? args[1] : "target/homi-examples")
            .toAbsolutePath()
            .resolve("trips");
    String policy = args.length > 2 ? args[2] : "auto";
    int runs = args.length > 3 ? Integer.parseInt(args[3]) : 3;
    SparkSession spark = Examples.spark("homi-example-compare");
    try {
      Examples.section("1. Write " + rows + " trips under " + dir);
      Examples.trips(spark, rows).write().mode("overwrite").parquet(dir.toString());
      System.out.printf("wrote %s of Parquet%n", Examples.mib(Examples.parquetBytes(dir)));
      Result r = compare(spark, dir, policy, runs);
      if (!r.same()) System.exit(1);
    } finally {
      spark.stop();
    }
  }

  /** The query: per city, trips, passengers, mean fare and km, notes. */
  public static Dataset<Row> query(Dataset<Row> trips) {
    return trips
        .groupBy("city")
        .agg(
            count("*").alias("trips"),
            sum("passengers").alias("passengers"),
            round(avg("fare"), 3).alias("mean_fare"),
            round(avg("km"), 3).alias("mean_km"),
            count("note").alias("with_note"))
        .orderBy("city");
  }

  /**
   * Runs the query once per format to warm up, then {@code runs} times each, alternating, and
   * prints the tables.
   */
  public static Result compare(SparkSession spark, Path dir, String policy, int runs) {
    Dataset<Row> homi =
        spark.read().format("homi").option("homi.path", policy).load(dir.toString());
    Dataset<Row> parquet = spark.read().format("parquet").load(dir.toString());
    Examples.section("2. Warm-up: one run of each (JIT, file listing, page cache)");
    List<Row> homiRows = query(homi).collectAsList();
    List<Row> parquetRows = query(parquet).collectAsList();

    Examples.section("3. " + runs + " runs each, alternating; homi.path=" + policy);
    long[] h = new long[runs];
    long[] p = new long[runs];
    // Only the homi runs move HOMI's counters (format("parquet") never enters the runtime).
    PathStats.Snapshot before = HomiRuntime.get().stats().snapshot();
    for (int i = 0; i < runs; i++) {
      h[i] = time(() -> query(homi).collectAsList());
      p[i] = time(() -> query(parquet).collectAsList());
    }
    PathStats.Snapshot homiUsed = HomiRuntime.get().stats().snapshot().minus(before);
    System.out.printf("%-9s %s %10s%n", "format", runsHeader(runs), "median");
    System.out.printf("%-9s %s %8.0f ms%n", "homi", cells(h), median(h));
    System.out.printf("%-9s %s %8.0f ms%n", "parquet", cells(p), median(p));
    System.out.printf(
        "homi / parquet (median): %.2f  (%s, %d cores to Spark; one JVM, same files, same query)%n",
        median(h) / Math.max(1e-9, median(p)),
        spark.sparkContext().master(),
        spark.sparkContext().defaultParallelism());

    Examples.section("4. Bytes each HOMI I/O path served over the " + runs + " homi runs");
    Examples.printPaths(homiUsed);

    Examples.section("5. Same answer?");
    boolean same = homiRows.equals(parquetRows);
    System.out.println(
        same
            ? "yes: format(\"homi\") and format(\"parquet\") agree on every row"
            : "NO: results differ");
    return new Result(h, p, homiUsed, same);
  }

  static long time(Runnable r) {
    long t0 = System.nanoTime();
    r.run();
    return (System.nanoTime() - t0) / 1_000_000;
  }

  static double median(long[] v) {
    long[] s = v.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2.0;
  }

  private static String runsHeader(int runs) {
    StringBuilder b = new StringBuilder();
    for (int i = 1; i <= runs; i++) b.append(String.format("%8s", "run " + i));
    return b.toString();
  }

  private static String cells(long[] v) {
    StringBuilder b = new StringBuilder();
    for (long x : v) b.append(String.format("%5d ms", x));
    return b.toString();
  }
}
