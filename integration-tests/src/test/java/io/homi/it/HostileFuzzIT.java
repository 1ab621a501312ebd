package io.homi.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Structure-aware fuzzing through Spark ({@link Mutants}, one family at a time, fixed seed): every
 * mutant is read with {@code format("homi")} and with Spark's own Parquet reader in this JVM, and
 * homi's outcome is classified:
 *
 * <ul>
 *   <li>ORIGINAL: homi's rows equal the unmutated file's;
 *   <li>AS_SPARK: homi's rows equal what Spark's reader returns for the mutant;
 *   <li>CLEAN_ERROR: an error naming the file, with no Error (OOM, stack overflow) in its chain;
 *   <li>BAD: anything else: other rows (wrong rows), an Error, an error without the file's name, or
 *       no answer within {@link #READ_TIMEOUT_S} s (a hang).
 * </ul>
 *
 * The test fails on any BAD, listing each with its family, seed and mutant number (the mutant's
 * bytes are kept under target/it-data/fuzz-bad for a regression test). The CI run is {@code
 * -Dhomi.fuzz.perFamily} (default 15) mutants per family and seed; a longer run raises it and may
 * change {@code -Dhomi.fuzz.seed} (docs/hostile-input.md has the command and counts).
 */
@Timeout(7200)
class HostileFuzzIT extends SparkTestBase {
  private static final int PER_FAMILY = Integer.getInteger("homi.fuzz.perFamily", 15);
  private static final long SEED = Long.getLong("homi.fuzz.seed", 22);
  private static final int READ_TIMEOUT_S = 30;
  private static final List<Mutants.Seed> seeds = new ArrayList<>();
  private static final Map<Mutants.Seed, List<Row>> originals = new LinkedHashMap<>();
  private static ExecutorService reads;

  enum Outcome {
    ORIGINAL,
    AS_SPARK,
    CLEAN_ERROR,
    BAD
  }

  @BeforeAll
  static void writeSeeds() throws IOException {
    // A thread per read: one that hangs must not hold up the reads after it.
    reads =
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, "fuzz-read");
              t.setDaemon(true);
              return t;
            });
    // Small files, several pages per chunk (row count limit), each seed a different shape.
    seed(
        "flat-dict-snappy",
        spark
            .range(0, 600)
            .selectExpr(
                "id",
                "CAST(id % 17 AS INT) AS i",
                "IF(id % 5 = 0, NULL, concat('s', id % 40)) AS s",
                "CAST(id AS DOUBLE) / 3 AS d"),
        Map.of());
    seed(
        "flat-plain-none",
        spark
            .range(0, 600)
            .selectExpr(
                "id",
                "IF(id % 3 = 0, NULL, CAST(id * 7 AS INT)) AS i",
                "concat('value-', id) AS s",
                "CAST(id AS DECIMAL(12, 2)) AS dec",
                "id % 2 = 0 AS b"),
        Map.of("compression", "none", "parquet.enable.dictionary", "false"));
    seed(
        "nested-none",
        spark
            .range(0, 300)
            .selectExpr(
                "id",
                "named_struct('a', id, 'b', IF(id % 4 = 0, NULL, concat('b', id))) AS st",
                "IF(id % 6 = 0, NULL, sequence(0, id % 5)) AS arr",
                "map('k', id) AS m"),
        Map.of("compression", "none"));
    seed(
        "v2-pages",
        spark
            .range(0, 600)
            .selectExpr(
                "id",
                "IF(id % 3 = 0, NULL, id * 5) AS n",
                "CAST(id AS DOUBLE) AS d",
                "date_from_unix_date(CAST(id AS INT)) AS dt"),
        Map.of("compression", "none", "parquet.writer.version", "v2"));
  }

  private static void seed(String name, Dataset<Row> df, Map<String, String> options)
      throws IOException {
    Path dir = freshDir("fuzz-seed-" + name);
    df.coalesce(1)
        .write()
        .options(options)
        .option("parquet.page.row.count.limit", "100")
        .parquet(dir.toString());
    Path f;
    try (Stream<Path> s = Files.list(dir)) {
      f = s.filter(p -> p.toString().endsWith(".parquet")).findFirst().orElseThrow();
    }
    Mutants.Seed seed = new Mutants.Seed(name, Files.readAllBytes(f));
    List<Row> rows = read("parquet", f);
    assertThat(read("homi", f)).as("seed %s reads as Spark reads it", name).isEqualTo(rows);
    seeds.add(seed);
    originals.put(seed, rows);
  }

  @AfterAll
  static void stopReads() {
    if (reads != null) reads.shutdownNow();
  }

  private static List<Row> read(String format, Path f) {
    return spark.read().format(format).load(f.toString()).collectAsList();
  }

  /** Rows, or the exception; a read past the timeout is cancelled and reported as a hang. */
  private static Object readWithTimeout(String format, Path f) {
    Future<List<Row>> fut = reads.submit(() -> read(format, f));
    try {
      return fut.get(READ_TIMEOUT_S, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      spark.sparkContext().cancelAllJobs();
      fut.cancel(true);
      return new TimeoutException(
          format + " read of " + f + " gave no answer in " + READ_TIMEOUT_S + " s");
    } catch (java.util.concurrent.ExecutionException e) {
      return e.getCause();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  static Outcome classify(
      Path f, Object homi, Object sparkResult, List<Row> original, StringBuilder why) {
    if (homi instanceof List<?> rows) {
      if (rows.equals(original)) return Outcome.ORIGINAL;
      if (sparkResult instanceof List<?> s && rows.equals(s)) return Outcome.AS_SPARK;
      why.append("wrong rows: ")
          .append(rows.size())
          .append(" rows, original ")
          .append(original.size())
          .append(sparkResult instanceof List<?> s ? ", Spark " + s.size() : ", Spark refuses");
      return Outcome.BAD;
    }
    Throwable t = (Throwable) homi;
    String m = messages(t);
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof Error || c instanceof TimeoutException) {
        why.append(c.getClass().getSimpleName()).append(": ").append(c.getMessage());
        return Outcome.BAD;
      }
    }
    if (m.contains("OutOfMemoryError")
        || m.contains("StackOverflowError")
        || m.contains("NullPointerException")
        || m.contains("ArrayIndexOutOfBounds")
        || m.contains("IndexOutOfBoundsException")
        || m.contains("BufferUnderflow")) {
      why.append("error from a missing check: ")
          .append(
              m.lines()
                  .filter(l -> l.contains("Error") || l.contains("Exception"))
                  .reduce((a, b) -> b)
                  .orElse(m));
      return Outcome.BAD;
    }
    if (!m.contains(f.toString())) {
      why.append("error without the file name: ").append(m.lines().findFirst().orElse(""));
      return Outcome.BAD;
    }
    return Outcome.CLEAN_ERROR;
  }

  @Test
  void everyMutantReadsTheOriginalRowsOrSparksRowsOrFailsNamingTheFile() throws Exception {
    Path dir = Files.createDirectories(freshDir("fuzz-mutants"));
    Path badDir = Files.createDirectories(freshDir("fuzz-bad"));
    Map<Mutants.Family, EnumMap<Outcome, Integer>> counts = new EnumMap<>(Mutants.Family.class);
    Map<String, Integer> sparkRefused = new TreeMap<>();
    List<String> bad = new ArrayList<>();
    long start = System.nanoTime();
    int n = 0;
    for (Mutants.Family family : Mutants.Family.values()) {
      EnumMap<Outcome, Integer> c =
          counts.computeIfAbsent(family, k -> new EnumMap<>(Outcome.class));
      for (Mutants.Seed seed : seeds) {
        Random r = new Random(SEED * 1_000_003L + family.ordinal() * 7919L + seeds.indexOf(seed));
        for (int i = 0; i < PER_FAMILY; i++) {
          byte[] m = null;
          for (int tries = 0; m == null && tries < 8; tries++) {
            try {
              m = Mutants.mutate(family, seed, r);
            } catch (Exception | AssertionError e) {
              m = null; // an edit the Thrift writer refuses (e.g. a required field unset): another
              // one
            }
          }
          if (m == null) continue;
          Path f = dir.resolve(family + "-" + seed.name + "-" + i + ".parquet");
          Files.write(f, m);
          Object homi = readWithTimeout("homi", f);
          // Spark's reader is asked only where homi's rows are not the original's: it is slow on
          // some mutants (deep Thrift nesting overflows its stack) and is not needed elsewhere.
          Object sp = null;
          if (homi instanceof List<?> rows && !rows.equals(originals.get(seed))) {
            sp = readWithTimeout("parquet", f);
            if (!(sp instanceof List<?>)) sparkRefused.merge(family.toString(), 1, Integer::sum);
          }
          StringBuilder why = new StringBuilder();
          Outcome o = classify(f, homi, sp, originals.get(seed), why);
          c.merge(o, 1, Integer::sum);
          if (o == Outcome.BAD) {
            Path keep = badDir.resolve(f.getFileName());
            Files.copy(f, keep, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            bad.add(family + " " + seed.name + " #" + i + " (" + keep + "): " + why);
          }
          Files.deleteIfExists(f);
          n++;
        }
      }
      System.out.printf("hostile fuzz: %s done, %s%n", family, c);
    }
    StringBuilder report =
        new StringBuilder(
            String.format(
                "hostile fuzz: seed %d, %d mutants in %.0f s%n",
                SEED, n, (System.nanoTime() - start) / 1e9));
    report.append(
        String.format(
            "%-20s %8s %8s %11s %4s %13s%n",
            "family", "ORIGINAL", "AS_SPARK", "CLEAN_ERROR", "BAD", "Spark refused*"));
    for (Map.Entry<Mutants.Family, EnumMap<Outcome, Integer>> e : counts.entrySet()) {
      EnumMap<Outcome, Integer> c = e.getValue();
      report.append(
          String.format(
              "%-20s %8d %8d %11d %4d %13d%n",
              e.getKey(),
              c.getOrDefault(Outcome.ORIGINAL, 0),
              c.getOrDefault(Outcome.AS_SPARK, 0),
              c.getOrDefault(Outcome.CLEAN_ERROR, 0),
              c.getOrDefault(Outcome.BAD, 0),
              sparkRefused.getOrDefault(e.getKey().toString(), 0)));
    }
    report.append(
        "* of the mutants homi read into rows other than the original's (Spark's reader is asked only then)\n");
    System.out.print(report);
    Files.writeString(
        workDir.resolve("hostile-fuzz-report.txt"), report + String.join("\n", bad) + "\n");
    assertThat(bad).as("BAD outcomes").isEmpty();
    assertThat(n).isGreaterThan(Mutants.Family.values().length * seeds.size() * PER_FAMILY / 2);
  }
}
