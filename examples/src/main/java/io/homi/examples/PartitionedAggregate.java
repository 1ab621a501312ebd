package io.homi.examples;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.round;
import static org.apache.spark.sql.functions.sum;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Writes trips partitioned by city ({@code city=Osaka/part-*.parquet}), reads them back with {@code
 * format("homi")} and aggregates per city, then checks the answer against Spark's own Parquet
 * reader.
 *
 * <p>Where {@code format("homi")} does not yet discover partition columns from the directory names,
 * the example reads each leaf directory and adds its partition value as a column, which is what
 * discovery does; it says which of the two it used.
 *
 * <p>Usage: PartitionedAggregate [rows] [directory] (defaults: 1,000,000 rows under
 * target/homi-examples)
 */
public final class PartitionedAggregate {
  private PartitionedAggregate() {}

  public static void main(String[] args) throws Exception {
    long rows = args.length > 0 ? Long.parseLong(args[0]) : 1_000_000L;
    Path root =
        Path.of(args.length > 1 ? args[1] : "target/homi-examples")
            .toAbsolutePath()
            .resolve("trips_by_city");
    SparkSession spark = Examples.spark("homi-example-partitioned");
    try {
      boolean same = run(spark, rows, root);
      if (!same) System.exit(1);
    } finally {
      spark.stop();
    }
  }

  static boolean run(SparkSession spark, long rows, Path root) throws Exception {
    Examples.section("1. Write " + rows + " trips partitioned by city under " + root);
    Examples.trips(spark, rows)
        .write()
        .mode("overwrite")
        .partitionBy("city")
        .parquet(root.toString());
    List<Path> leaves = leaves(root);
    System.out.printf(
        "wrote %s of Parquet in %d partitions: %s%n",
        Examples.mib(Examples.parquetBytes(root)),
        leaves.size(),
        leaves.stream().map(p -> p.getFileName().toString()).toList());

    Examples.section("2. Read with format(\"homi\")");
    Dataset<Row> trips = spark.read().format("homi").load(root.toString());
    if (Arrays.asList(trips.columns()).contains("city")) {
      System.out.println(
          "partition column 'city' discovered by format(\"homi\") from the directory names");
    } else {
      System.out.println(
          "format(\"homi\") does not discover partition columns yet: reading each leaf directory");
      System.out.println(
          "and adding its value (what discovery will do), e.g. spark.read().format(\"homi\").load(\""
              + leaves.get(0)
              + "\").withColumn(\"city\", lit(\""
              + value(leaves.get(0))
              + "\"))");
      trips = null;
      for (Path leaf : leaves) {
        Dataset<Row> part =
            spark.read().format("homi").load(leaf.toString()).withColumn("city", lit(value(leaf)));
        trips = trips == null ? part : trips.unionByName(part);
      }
    }
    trips.printSchema();

    Examples.section("3. Trips, passengers and mean fare per city");
    Dataset<Row> agg = perCity(trips);
    agg.show(false);

    Examples.section("4. Same answer as format(\"parquet\") on the same directory?");
    List<Row> theirs = perCity(spark.read().parquet(root.toString())).collectAsList();
    boolean same = agg.collectAsList().equals(theirs);
    System.out.println(
        same
            ? "yes: every row of the aggregate agrees"
            : "NO: results differ; parquet says " + theirs);
    return same;
  }

  static Dataset<Row> perCity(Dataset<Row> trips) {
    return trips
        .groupBy("city")
        .agg(
            count("*").alias("trips"),
            sum("passengers").alias("passengers"),
            round(avg("fare"), 3).alias("mean_fare"),
            count("note").alias("with_note"))
        .orderBy("city");
  }

  /** The partition directories (name=value) that hold data files, sorted. */
  static List<Path> leaves(Path root) throws java.io.IOException {
    List<Path> out = new ArrayList<>();
    try (Stream<Path> s = Files.walk(root)) {
      s.filter(Files::isDirectory)
          .filter(d -> d.getFileName().toString().contains("="))
          .sorted()
          .forEach(out::add);
    }
    return out;
  }

  private static String value(Path leaf) {
    String n = leaf.getFileName().toString();
    return java.net.URLDecoder.decode(
        n.substring(n.indexOf('=') + 1), java.nio.charset.StandardCharsets.UTF_8);
  }
}
