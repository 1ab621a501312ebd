package io.homi.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every file of apache/parquet-testing's data/ and bad_data/ (read in place, never copied): where
 * Spark's own reader reads it, format("homi") gives the same schema and rows (and the *_expect.csv
 * values where one exists); where Spark fails, homi fails with a clear error naming the file. Files
 * Spark reads that homi does not yet are listed in KNOWN_GAPS, which is asserted both ways, so the
 * list can only shrink on purpose.
 */
@Timeout(300)
class ConformanceIT extends SparkTestBase {
  /**
   * Files Spark reads that homi does not (yet). Empty: every file Spark reads, homi reads equally.
   */
  static final Set<String> KNOWN_GAPS = Set.of();

  private static final java.util.Map<String, Integer> OUTCOMES = new java.util.TreeMap<>();

  @org.junit.jupiter.api.AfterAll
  static void printOutcomes() {
    System.out.println("conformance outcomes: " + OUTCOMES);
  }

  private static void count(String outcome) {
    OUTCOMES.merge(outcome, 1, Integer::sum);
  }

  static Path dataDir() {
    String prop = System.getProperty("homi.parquetTesting");
    Path p =
        prop != null
            ? Path.of(prop)
            : Path.of("..", "..", "shared", "parquet-testing").toAbsolutePath().normalize();
    if (!Files.isDirectory(p.resolve("data")))
      p = Path.of("..", "shared", "parquet-testing").toAbsolutePath().normalize();
    return p;
  }

  /** Files of data/ and bad_data/, relative to the parquet-testing root. */
  static Stream<String> files() throws IOException {
    Path root = dataDir();
    if (!Files.isDirectory(root.resolve("data"))) return Stream.of("<absent>");
    try (Stream<Path> s =
        Stream.concat(
            Files.walk(root.resolve("data")),
            Files.isDirectory(root.resolve("bad_data"))
                ? Files.walk(root.resolve("bad_data"))
                : Stream.empty())) {
      return s
          .filter(Files::isRegularFile)
          .map(p -> root.relativize(p).toString())
          .filter(n -> n.endsWith(".parquet") || n.endsWith(".parquet.encrypted"))
          .sorted()
          .toList()
          .stream();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("files")
  void homiAgreesWithSpark(String name) throws IOException {
    Path root = dataDir();
    Assumptions.assumeTrue(
        Files.isDirectory(root.resolve("data")),
        "parquet-testing is absent (looked for "
            + root
            + "/data; set -Dhomi.parquetTesting=DIR): conformance skipped");
    Path file = root.resolve(name);
    Result vectorized = read("parquet", file);
    Result ref = vectorized;
    if (ref.error != null) {
      // Spark's vectorized reader lacks some encodings (BYTE_STREAM_SPLIT) and has bugs (BYTE_ARRAY
      // decimals of <= 18 digits); Spark's own row-based Parquet reader is then the reference.
      spark.conf().set("spark.sql.parquet.enableVectorizedReader", "false");
      try {
        Result rowBased = read("parquet", file);
        if (rowBased.error == null) ref = rowBased;
      } finally {
        spark.conf().unset("spark.sql.parquet.enableVectorizedReader");
      }
    }
    Result homi = read("homi", file);
    if (KNOWN_GAPS.contains(name)) {
      assertThat(ref.error).as("Spark reads known gap %s", name).isNull();
      assertThat(homi.error).as("known gap %s: homi refuses it", name).isNotNull();
      assertThat(messages(homi.error)).contains("unsupported").contains(file.toString());
      count("known gap (nested)");
      return;
    }
    if (ref.error != null) {
      assertThat(homi.error)
          .as("Spark fails on %s (%s) so homi must fail too", name, firstLine(ref.error))
          .isNotNull();
      assertThat(messages(homi.error))
          .as("homi's error names the file")
          .contains(file.toString())
          .containsAnyOf("corrupt Parquet file", "unsupported", "not a Parquet file");
      count("both fail");
      return;
    }
    assertThat(homi.error).as("Spark reads %s; homi must too", name).isNull();
    assertThat(homi.schema).as("schema of %s", name).isEqualTo(ref.schema);
    assertThat(canonical(homi.rows))
        .as("rows of %s", name)
        .containsExactlyElementsOf(canonical(ref.rows));
    Path csv = root.resolve(name.replace(".parquet", "_expect.csv"));
    if (Files.exists(csv)) compareWithCsv(homi.rows, csv);
    count(ref == vectorized ? "equal to Spark (vectorized)" : "equal to Spark (row-based reader)");
  }

  @Test
  void knownGapsAreRealFiles() throws IOException {
    Assumptions.assumeTrue(
        Files.isDirectory(dataDir().resolve("data")), "parquet-testing is absent");
    assertThat(files().toList()).containsAll(KNOWN_GAPS);
  }

  private static void compareWithCsv(List<Row> rows, Path csv) {
    List<Row> expected = spark.read().option("header", "true").csv(csv.toString()).collectAsList();
    assertThat(rows).as("rows vs %s", csv.getFileName()).hasSameSizeAs(expected);
    for (int i = 0; i < rows.size(); i++) {
      Row a = rows.get(i);
      Row e = expected.get(i);
      for (int j = 0; j < e.length(); j++) {
        String want = e.isNullAt(j) ? null : e.getString(j);
        String got = a.isNullAt(j) ? null : String.valueOf(a.get(j));
        assertThat(got).as("%s row %d column %d", csv.getFileName(), i, j).isEqualTo(want);
      }
    }
  }

  /** Rows as comparable lists: byte[] (which Row.equals compares by identity here) as hex. */
  static List<List<Object>> canonical(List<Row> rows) {
    List<List<Object>> out = new java.util.ArrayList<>(rows.size());
    for (Row r : rows) {
      List<Object> vals = new java.util.ArrayList<>(r.length());
      for (int i = 0; i < r.length(); i++) {
        Object v = r.get(i);
        vals.add(v instanceof byte[] b ? java.util.HexFormat.of().formatHex(b) : v);
      }
      out.add(vals);
    }
    return out;
  }

  private record Result(StructType schema, List<Row> rows, Throwable error) {}

  private static Result read(String format, Path file) {
    Throwable[] err = new Throwable[1];
    StructType[] schema = new StructType[1];
    @SuppressWarnings({"unchecked", "rawtypes"}) // a generic array: one slot the lambda below fills
    List<Row>[] rows = new List[1];
    err[0] =
        catchThrowable(
            () -> {
              Dataset<Row> df = spark.read().format(format).load(file.toString());
              schema[0] = df.schema();
              rows[0] = df.collectAsList();
            });
    return new Result(schema[0], rows[0], err[0]);
  }

  private static String firstLine(Throwable t) {
    String m = String.valueOf(t.getMessage());
    int nl = m.indexOf('\n');
    return nl < 0 ? m : m.substring(0, nl);
  }
}
