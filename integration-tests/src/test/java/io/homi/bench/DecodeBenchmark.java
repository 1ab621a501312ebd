package io.homi.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Decode benchmark in the shape of Spark's DataSourceReadBenchmark: local[1] (one core), one file
 * set per case written by Spark, sum(col) over one column, homi and Spark's vectorized Parquet
 * reader alternating in one JVM on the same files; the median of the timed runs gives rows/s per
 * core and the ratio homi / Spark. All answers are compared on every run. homi runs twice per
 * round: with its default lazy dictionary columns (ids decoded on get), and eagerly ({@code
 * homi.lazyDictionary=false}, values gathered into Arrow vectors), the A/B of that change.
 *
 * <p>Run: java -cp TESTCLASSPATH io.homi.bench.DecodeBenchmark [rows] [runs] [outMarkdown|-]
 * [caseFilter] (caseFilter: only the cases whose name contains it, e.g. "dictionary")
 */
public final class DecodeBenchmark {
  private record Case(String name, String dataset, String expr) {}

  public static void main(String[] args) throws IOException {
    long rows = args.length > 0 ? Long.parseLong(args[0]) : 4_000_000L;
    int runs = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    Path out = args.length > 2 && !args[2].equals("-") ? Path.of(args[2]) : null;
    String only = args.length > 3 ? args[3] : "";
    Path dir = Files.createDirectories(Path.of("target", "bench-data").toAbsolutePath());
    SparkSession spark =
        SparkSession.builder()
            .master("local[1]")
            .appName("homi-decode-bench")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.sql.shuffle.partitions", "1")
            .getOrCreate();
    spark.sparkContext().setLogLevel("WARN");
    write(
        spark,
        dir.resolve("plain"),
        rows,
        false,
        "CAST(id % 1000000 AS INT) AS i32",
        "id * 7 AS i64",
        "CAST(id AS FLOAT) / 3 AS f32",
        "CAST(id AS DOUBLE) / 3 AS f64",
        "CAST(id % 100000 AS DECIMAL(18,2)) AS dec",
        "concat('value-', CAST(id AS STRING)) AS str",
        "CAST(id % 100 AS TINYINT) AS i8",
        "CASE WHEN id % 10 = 0 THEN NULL ELSE id END AS i64_nulls");
    write(
        spark,
        dir.resolve("dict"),
        rows,
        true,
        "CAST(id % 1000 AS INT) AS i32",
        "id % 1000 AS i64",
        "concat('category-', CAST(id % 1000 AS STRING)) AS str");
    write(
        spark,
        dir.resolve("nested"),
        rows,
        false,
        "named_struct('a', CAST(id % 1000000 AS INT), 'b', id * 3) AS s",
        "array(CAST(id % 1000 AS INT), CAST(id % 7 AS INT)) AS arr");
    List<Case> cases =
        List.of(
            new Case("INT32 plain", "plain", "sum(i32)"),
            new Case("INT64 plain", "plain", "sum(i64)"),
            new Case("FLOAT plain", "plain", "sum(f32)"),
            new Case("DOUBLE plain", "plain", "sum(f64)"),
            new Case("TINYINT plain", "plain", "sum(i8)"),
            new Case("DECIMAL(18,2) plain", "plain", "sum(dec)"),
            new Case("INT64 10% nulls", "plain", "sum(i64_nulls)"),
            new Case("STRING plain", "plain", "sum(length(str))"),
            new Case("INT32 dictionary", "dict", "sum(i32)"),
            new Case("INT64 dictionary", "dict", "sum(i64)"),
            new Case("STRING dictionary", "dict", "sum(length(str))"),
            new Case("STRUCT<INT,BIGINT> nested", "nested", "sum(s.a + s.b)"),
            new Case("ARRAY<INT> nested", "nested", "sum(element_at(arr, 2))"));
    StringBuilder md = new StringBuilder();
    md.append(
        String.format(
            Locale.ROOT,
            "rows per case: %,d; %d timed runs per reader (after 1 warm-up), alternating;"
                + " median shown%n%n",
            rows,
            runs));
    md.append(
        "| case | Spark vectorized (M rows/s/core) | homi (M rows/s/core) | homi / Spark | homi eager dictionary"
            + " (M rows/s/core) | eager / Spark |\n|---|---:|---:|---:|---:|---:|\n");
    for (Case c : cases) {
      if (!c.name.contains(only)) continue;
      String path = dir.resolve(c.dataset).toString();
      double[] spk = new double[runs];
      double[] homi = new double[runs];
      double[] eager = new double[runs];
      time(spark, "parquet", true, path, c.expr);
      time(spark, "homi", true, path, c.expr);
      time(spark, "homi", false, path, c.expr);
      for (int i = 0; i < runs; i++) {
        spk[i] = time(spark, "parquet", true, path, c.expr);
        homi[i] = time(spark, "homi", true, path, c.expr);
        eager[i] = time(spark, "homi", false, path, c.expr);
      }
      double s = rows / median(spk) / 1e6;
      double h = rows / median(homi) / 1e6;
      double e = rows / median(eager) / 1e6;
      String line =
          String.format(
              Locale.ROOT,
              "| %s | %.1f | %.1f | %.2fx | %.1f | %.2fx |",
              c.name,
              s,
              h,
              h / s,
              e,
              e / s);
      System.out.println(line);
      md.append(line).append('\n');
    }
    System.out.println(md);
    if (out != null) Files.writeString(out, md.toString());
    spark.stop();
  }

  private static void write(
      SparkSession spark, Path dir, long rows, boolean dictionary, String... cols) {
    if (Files.exists(dir.resolve("_SUCCESS")) && Files.exists(dir.resolve("_rows_" + rows))) return;
    spark
        .range(0, rows, 1, 1)
        .selectExpr(cols)
        .write()
        .mode("overwrite")
        .option("compression", "snappy")
        .option("parquet.enable.dictionary", dictionary)
        .parquet(dir.toString());
    try {
      Files.createFile(dir.resolve("_rows_" + rows));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static Object lastSpark;

  /** Seconds for one sum; every reader's answer must equal Spark's. */
  private static double time(
      SparkSession spark, String format, boolean lazyDictionary, String path, String expr) {
    long t0 = System.nanoTime();
    Row r =
        spark
            .read()
            .format(format)
            .option("homi.lazyDictionary", lazyDictionary)
            .load(path)
            .selectExpr(expr)
            .collectAsList()
            .get(0);
    double s = (System.nanoTime() - t0) / 1e9;
    if (format.equals("parquet")) lastSpark = r.get(0);
    else if (!String.valueOf(r.get(0)).equals(String.valueOf(lastSpark))) {
      throw new IllegalStateException(expr + ": homi " + r.get(0) + " != Spark " + lastSpark);
    }
    return s;
  }

  private static double median(double[] xs) {
    double[] c = xs.clone();
    Arrays.sort(c);
    return c.length % 2 == 1 ? c[c.length / 2] : (c[c.length / 2 - 1] + c[c.length / 2]) / 2;
  }
}
