package io.homi.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** One local SparkSession per test class, and helpers to compare homi with Spark's own reader. */
abstract class SparkTestBase {
  protected static SparkSession spark;
  protected static Path workDir;

  @BeforeAll
  static void startSpark() throws IOException {
    workDir = Files.createDirectories(Path.of("target", "it-data")).toAbsolutePath();
    spark =
        SparkSession.builder()
            .master("local[2]")
            .appName("homi-it")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "2")
            .config("spark.sql.session.timeZone", "UTC")
            .getOrCreate();
  }

  @AfterAll
  static void stopSpark() {
    if (spark != null) spark.stop();
    spark = null;
  }

  static Path freshDir(String name) throws IOException {
    Path d = workDir.resolve(name);
    if (Files.exists(d)) {
      try (Stream<Path> s = Files.walk(d)) {
        s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
    return d;
  }

  /** Rows of both readers on the same files, ordered the same way. */
  static List<Row> rows(String format, Path path, String orderBy) {
    Dataset<Row> df = spark.read().format(format).load(path.toString());
    return (orderBy == null ? df : df.orderBy(orderBy)).collectAsList();
  }

  /** The messages of an exception and all its causes, for assertions on what a user sees. */
  static String messages(Throwable t) {
    StringBuilder b = new StringBuilder();
    for (Throwable c = t; c != null; c = c.getCause())
      b.append(c.getClass().getSimpleName()).append(": ").append(c.getMessage()).append('\n');
    return b.toString();
  }
}
