package io.homi.examples;

import io.homi.runtime.mediator.PathKind;
import io.homi.runtime.mediator.PathStats;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * What the examples share: a local session (or the one spark-submit made), the trips data,
 * printing.
 */
final class Examples {
  private Examples() {}

  /**
   * A local Spark session with two cores, unless a master was given already (spark-submit sets
   * {@code spark.master}), in which case that one is used.
   */
  static SparkSession spark(String app) {
    SparkSession.Builder b =
        SparkSession.builder()
            .appName(app)
            .config("spark.sql.shuffle.partitions", "4")
            .config("spark.ui.enabled", System.getProperty("spark.ui.enabled", "false"));
    if (System.getProperty("spark.master") == null) b.master("local[2]");
    return b.getOrCreate();
  }

  /**
   * {@code rows} taxi trips: trip_id, city (6 values), day, passengers, fare, km, shared, note (20%
   * null).
   */
  static Dataset<Row> trips(SparkSession spark, long rows) {
    return spark
        .range(0, rows, 1, 4)
        .selectExpr(
            "id AS trip_id",
            "element_at(array('Lisbon','Osaka','Lagos','Quito','Oslo','Perth'), CAST(id % 6 AS INT) + 1) AS city",
            "date_add(DATE'2026-01-01', CAST(id % 300 AS INT)) AS day",
            "CAST(1 + id % 4 AS TINYINT) AS passengers",
            "round(2.5D + (id * 7919 % 10000) / 100.0D, 2) AS fare",
            "CAST((id * 31 % 5000) / 100.0D AS FLOAT) AS km",
            "id % 10 = 0 AS shared",
            "CASE WHEN id % 5 = 0 THEN NULL ELSE concat('note-', CAST(id % 997 AS STRING)) END AS note");
  }

  /** Bytes of the .parquet files under a directory. */
  static long parquetBytes(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(p -> p.toString().endsWith(".parquet"))
          .mapToLong(p -> p.toFile().length())
          .sum();
    }
  }

  static void section(String title) {
    System.out.println();
    System.out.println("== " + title);
  }

  /** One line per HOMI I/O path: bytes, reads issued on it, share of all bytes. */
  static void printPaths(PathStats.Snapshot used) {
    System.out.printf("%-8s %16s %10s %7s%n", "path", "bytes", "reads", "share");
    long total = Math.max(1, used.totalBytes());
    for (PathKind k : PathKind.values()) {
      System.out.printf(
          "%-8s %,16d %,10d %6.1f%%%n",
          k.label(), used.bytes(k), used.commands(k), 100.0 * used.bytes(k) / total);
    }
    System.out.printf(
        "%-8s %,16d %,10d          (commands refused: %d, errors: %d)%n",
        "total", used.totalBytes(), used.totalCommands(), used.refused(), used.errors());
  }

  static String mib(long bytes) {
    return String.format("%.1f MiB", bytes / 1048576.0);
  }
}
