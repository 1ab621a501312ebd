package io.homi.examples;

import io.homi.runtime.HomiRuntime;
import io.homi.runtime.mediator.PathKind;
import io.homi.runtime.mediator.PathStats;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The main job of the README: generate a small Parquet dataset, read it back with
 * spark.read.format("homi") on an embedded local Spark, and show what HOMI did: rows, an aggregate,
 * the physical plan, the bytes each I/O path served, and a check against Spark's own Parquet reader
 * on the same files.
 *
 * <p>Usage: Demo [rows] [directory] (defaults: 2,000,000 rows under target/homi-demo)
 */
public final class Demo {
  private Demo() {}

  public static void main(String[] args) throws Exception {
    long rows = args.length > 0 ? Long.parseLong(args[0]) : 2_000_000L;
    Path dir = Path.of(args.length > 1 ? args[1] : "target/homi-demo").toAbsolutePath();
    SparkSession spark =
        SparkSession.builder()
            .master("local[2]")
            .appName("homi-demo")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "4")
            .getOrCreate();
    try {
      run(spark, rows, dir.resolve("trips"));
    } finally {
      spark.stop();
    }
  }

  static void run(SparkSession spark, long rows, Path trips) throws Exception {
    section("1. Generate " + rows + " rows of Parquet (Spark's writer, snappy) under " + trips);
    spark
        .range(0, rows, 1, 4)
        .selectExpr(
            "id AS trip_id",
            "element_at(array('Lisbon','Osaka','Lagos','Quito','Oslo','Perth'), CAST(id % 6 AS INT) + 1) AS city",
            "date_add(DATE'2026-01-01', CAST(id % 300 AS INT)) AS day",
            "CAST(1 + id % 4 AS TINYINT) AS passengers",
            "round(2.5D + (id * 7919 % 10000) / 100.0D, 2) AS fare",
            "CAST((id * 31 % 5000) / 100.0D AS FLOAT) AS km",
            "id % 10 = 0 AS shared",
            "CASE WHEN id % 5 = 0 THEN NULL ELSE concat('note-', CAST(id % 997 AS STRING)) END AS note")
        .write()
        .mode("overwrite")
        .option("compression", "snappy")
        .parquet(trips.toString());
    long bytes;
    try (var s = Files.walk(trips)) {
      bytes =
          s.filter(p -> p.toString().endsWith(".parquet"))
              .mapToLong(p -> p.toFile().length())
              .sum();
    }
    System.out.printf("wrote %,d bytes of Parquet%n", bytes);

    PathStats.Snapshot before = HomiRuntime.get().stats().snapshot();
    Dataset<Row> df = spark.read().format("homi").load(trips.toString());

    section("2. Schema inferred from the Parquet footer");
    df.printSchema();

    section("3. A few rows, read through HOMI");
    df.orderBy("trip_id").show(5, false);

    section("4. An aggregate: trips, passengers and mean fare per city");
    Dataset<Row> agg =
        df.groupBy("city")
            .agg(
                org.apache.spark.sql.functions.count("*").alias("trips"),
                org.apache.spark.sql.functions.sum("passengers").alias("passengers"),
                org.apache
                    .spark
                    .sql
                    .functions
                    .round(org.apache.spark.sql.functions.avg("fare"), 3)
                    .alias("mean_fare"),
                org.apache.spark.sql.functions.count("note").alias("with_note"))
            .orderBy("city");
    agg.show(false);

    section("5. Physical plan (note BatchScan homi)");
    agg.explain();

    PathStats.Snapshot used = HomiRuntime.get().stats().snapshot().minus(before);
    section("6. Bytes served per HOMI I/O path (this JVM's runtime, steps 2-5)");
    System.out.printf("%-8s %16s %10s%n", "path", "bytes", "commands");
    for (PathKind k : PathKind.values()) {
      System.out.printf("%-8s %,16d %,10d%n", k.label(), used.bytes(k), used.commands(k));
    }
    System.out.printf(
        "%-8s %,16d %,10d   (refused: %d, errors: %d)%n",
        "total", used.totalBytes(), used.totalCommands(), used.refused(), used.errors());

    section("7. Same answer as Spark's own Parquet reader?");
    List<Row> mine = agg.collectAsList();
    List<Row> spark0 =
        spark
            .read()
            .format("parquet")
            .load(trips.toString())
            .groupBy("city")
            .agg(
                org.apache.spark.sql.functions.count("*").alias("trips"),
                org.apache.spark.sql.functions.sum("passengers").alias("passengers"),
                org.apache
                    .spark
                    .sql
                    .functions
                    .round(org.apache.spark.sql.functions.avg("fare"), 3)
                    .alias("mean_fare"),
                org.apache.spark.sql.functions.count("note").alias("with_note"))
            .orderBy("city")
            .collectAsList();
    boolean same = mine.equals(spark0);
    System.out.println(
        same
            ? "yes: format(\"homi\") and format(\"parquet\") agree on every row of the aggregate"
            : "NO: results differ\nhomi:    " + mine + "\nparquet: " + spark0);
    if (!same) System.exit(1);
  }

  private static void section(String title) {
    System.out.println();
    System.out.println("== " + title);
  }
}
