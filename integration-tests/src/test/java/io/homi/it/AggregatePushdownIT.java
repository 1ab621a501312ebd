package io.homi.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.parquet.format.FileMetaData;
import org.apache.parquet.format.Util;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Aggregate pushdown ({@code homi.aggregatePushdown}: auto by default, on, off; Spark's {@code
 * spark.sql.parquet.aggregatePushdown} where the homi setting is not given): MIN/MAX/COUNT answered
 * per file from footers, GROUP BY partition columns. Every query answers as format("parquet") with
 * its pushdown off, and as parquet's own pushdown wherever that answers; the plan names the pushed
 * aggregation exactly where the mode's rules allow it; files whose statistics cannot answer exactly
 * (none written, NaN in a double, byte-array statistics of an old parquet-mr) are read instead.
 */
class AggregatePushdownIT extends SparkTestBase {
  private static final String CONF = "spark.sql.parquet.aggregatePushdown";
  private static final String HOMI = "spark.homi.aggregatePushdown";
  private static Path dir;
  private static Path noStats;
  private static Path nan;
  private static Path big;
  private static Path newWriter;
  private static Path oldWriter;

  @BeforeAll
  static void data() throws IOException {
    dir = freshDir("aggpush");
    // Two partition columns, one with a null value; every data column has nulls, and one file's
    // column is entirely null; several row groups per file.
    spark
        .range(0, 60_000, 1, 3)
        .selectExpr(
            "CAST(id % 3 AS INT) AS p",
            "CASE WHEN id % 5 = 0 THEN NULL ELSE concat('q', CAST(id % 2 AS STRING)) END AS q",
            "CASE WHEN id % 7 = 0 THEN NULL ELSE id % 2 = 0 END AS b",
            "CASE WHEN id % 11 = 0 THEN NULL ELSE CAST(id % 100 - 50 AS BYTE) END AS i8",
            "CASE WHEN id % 13 = 0 THEN NULL ELSE CAST(id % 3000 - 1500 AS SHORT) END AS i16",
            "CASE WHEN id % 17 = 0 THEN NULL ELSE CAST(id * 31 % 100003 - 50000 AS INT) END AS i",
            "CASE WHEN id % 19 = 0 THEN NULL ELSE id * 1000003 - 7 END AS l",
            "CASE WHEN id % 23 = 0 THEN NULL ELSE CAST(id / 7.0 - 100 AS FLOAT) END AS f",
            "CASE WHEN id % 29 = 0 THEN NULL ELSE CAST(id AS DOUBLE) / 3.0 - 5000 END AS d",
            "CASE WHEN id % 31 = 0 THEN NULL ELSE date_add(DATE'1999-01-01', CAST(id % 9000 AS INT)) END AS dt",
            "CASE WHEN id % 37 = 0 THEN NULL ELSE concat('s', CAST(id * 7 % 1000 AS STRING)) END AS s",
            "CASE WHEN id % 41 = 0 THEN NULL ELSE CAST(id / 100.0 AS DECIMAL(12, 2)) END AS dec",
            "CASE WHEN id % 43 = 0 THEN NULL ELSE timestamp_micros(1600000000000000 + id * 1000003) END AS ts",
            "CASE WHEN id < 20000 THEN NULL ELSE id END AS sparse")
        .write()
        .option("parquet.block.size", 64 * 1024)
        .partitionBy("p", "q")
        .parquet(dir.toString());
    noStats = freshDir("aggpush-nostats");
    spark
        .range(0, 5000, 1, 2)
        .selectExpr(
            "CAST(id % 2 AS INT) AS p",
            "CASE WHEN id % 9 = 0 THEN NULL ELSE CAST(id AS INT) - 77 END AS i", "id * 3 AS l")
        .write()
        .option("parquet.column.statistics.enabled", "false")
        .partitionBy("p")
        .parquet(noStats.toString());
    big = freshDir("aggpush-big"); // files much larger than a footer read (a speculative tail)
    spark
        .range(0, 400_000, 1, 2)
        .selectExpr(
            "CAST(id * 31 % 1000003 AS INT) AS i",
            "id * 7 AS l",
            "CASE WHEN id % 3 = 0 THEN NULL ELSE concat('v', CAST(id AS STRING)) END AS s")
        .write()
        .option("parquet.block.size", 256 * 1024)
        .parquet(big.toString());
    nan = freshDir("aggpush-nan");
    spark
        .range(0, 3000, 1, 1)
        .selectExpr(
            "CASE WHEN id = 1500 THEN CAST('NaN' AS DOUBLE) ELSE id / 2.0 END AS d",
            "CASE WHEN id = 10 THEN CAST('NaN' AS FLOAT) ELSE CAST(id AS FLOAT) END AS f")
        .write()
        .parquet(nan.toString());
    // One file, then a copy whose footer claims an old parquet-mr (PARQUET-251): the statistics
    // are the same bytes, only created_by differs, so any difference in how they are used is the
    // writer rule's.
    newWriter = freshDir("aggpush-newwriter");
    spark
        .range(0, 8000, 1, 1)
        .selectExpr(
            "CASE WHEN id % 6 = 0 THEN NULL ELSE concat('s', CAST(id AS STRING)) END AS s",
            "CAST(id AS INT) - 100 AS i")
        .write()
        .parquet(newWriter.toString());
    oldWriter = Files.createDirectories(freshDir("aggpush-oldwriter"));
    try (var files = Files.list(newWriter)) {
      for (Path f : files.filter(f -> f.toString().endsWith(".parquet")).toList()) {
        writeWithCreatedBy(
            f, oldWriter.resolve(f.getFileName()), "parquet-mr version 1.6.0 (build 6aa21f8)");
      }
    }
  }

  /** A copy of a Parquet file whose footer says {@code createdBy} wrote it. */
  private static void writeWithCreatedBy(Path from, Path to, String createdBy) throws IOException {
    rewriteFooter(from, to, md -> md.setCreated_by(createdBy));
  }

  /** A copy of a Parquet file with {@code change} applied to its footer (the pages unchanged). */
  private static void rewriteFooter(
      Path from, Path to, java.util.function.Consumer<FileMetaData> change) throws IOException {
    byte[] b = Files.readAllBytes(from);
    int len =
        java.nio.ByteBuffer.wrap(b, b.length - 8, 4)
            .order(java.nio.ByteOrder.LITTLE_ENDIAN)
            .getInt();
    int footerStart = b.length - 8 - len;
    FileMetaData md = Util.readFileMetaData(new java.io.ByteArrayInputStream(b, footerStart, len));
    change.accept(md);
    java.io.ByteArrayOutputStream footer = new java.io.ByteArrayOutputStream();
    Util.writeFileMetaData(md, footer);
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    out.write(b, 0, footerStart);
    footer.writeTo(out);
    out.write(
        java.nio.ByteBuffer.allocate(4)
            .order(java.nio.ByteOrder.LITTLE_ENDIAN)
            .putInt(footer.size())
            .array());
    out.write("PAR1".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    Files.write(to, out.toByteArray());
  }

  @AfterEach
  void reset() {
    spark.conf().unset(CONF);
    spark.conf().unset(HOMI);
    spark.conf().unset("spark.sql.adaptive.enabled");
  }

  /** Pushed under auto and on. */
  private static final List<String> PUSHABLE =
      List.of(
          "SELECT count(*) FROM %s",
          "SELECT count(*), count(b), count(i8), count(i16), count(i), count(l), count(f), count(d), count(dt), count(s), "
              + "count(dec), count(ts), count(sparse), count(p), count(q) FROM %s",
          "SELECT min(b), max(b), min(i8), max(i8), min(i16), max(i16), min(i), max(i), min(l), max(l) FROM %s",
          "SELECT min(dt), max(dt), min(sparse), max(sparse) FROM %s",
          "SELECT p, q, count(*), min(i), max(l), count(s), max(dt) FROM %s GROUP BY p, q",
          "SELECT q, p, max(i16), min(sparse), count(sparse) FROM %s GROUP BY q, p",
          "SELECT p, count(*), min(i), max(l) FROM %s GROUP BY p",
          "SELECT min(p), max(p), min(q), max(q), count(q) FROM %s",
          // Filters on partition columns alone are evaluated exactly by the scan, as for parquet.
          "SELECT count(*), min(i) FROM %s WHERE p = 1",
          "SELECT p, count(*), max(l) FROM %s WHERE q IS NULL GROUP BY p",
          "SELECT count(*), count(q), max(dt) FROM %s WHERE p IN (0, 2) AND q = 'q1'",
          "SELECT count(*), min(i16) FROM %s WHERE NOT (q = 'q0')",
          "SELECT count(*), max(b) FROM %s WHERE q <> 'q0' OR p >= 2",
          "SELECT count(*) FROM %s WHERE q <=> NULL OR 1 = p");

  /**
   * Pushed under on (Spark's rules) but not auto: a footer never answers float/double MIN/MAX
   * (writers leave NaN out of the bounds), so every file would be read anyway.
   */
  private static final List<String> ON_ONLY =
      List.of(
          "SELECT min(f), max(f), min(d), max(d), min(dt), max(dt), min(sparse), max(sparse) FROM %s",
          "SELECT p, count(*), min(i), max(d) FROM %s GROUP BY p");

  private static final List<String> NOT_PUSHED =
      List.of(
          "SELECT min(s), max(s) FROM %s",
          "SELECT min(dec), max(dec) FROM %s",
          "SELECT min(ts), max(ts) FROM %s",
          "SELECT count(*), max(l) FROM %s WHERE i > 0",
          "SELECT count(*), max(l) FROM %s WHERE p = 1 OR i > 0",
          "SELECT count(*) FROM %s WHERE p = 1 AND l > 5",
          "SELECT sum(i), count(*) FROM %s",
          "SELECT count(DISTINCT i8) FROM %s",
          "SELECT b, count(*) FROM %s GROUP BY b",
          "SELECT max(i + 1) FROM %s");

  @SafeVarargs
  private static List<String> concat(List<String>... lists) {
    List<String> out = new ArrayList<>();
    for (List<String> l : lists) out.addAll(l);
    return out;
  }

  private static Dataset<Row> homi(Path p, String mode) {
    var r = spark.read().format("homi");
    if (mode != null) r = r.option("homi.aggregatePushdown", mode);
    return r.load(p.toString());
  }

  /** What parquet's own pushdown did with a query: its rows, or why there are none. */
  private record ParquetPushdown(boolean pushed, List<String> rows, String error) {}

  /**
   * Parquet's own pushdown of {@code query} over {@code path}. Spark pushes aggregates only into
   * its V2 Parquet scan, so parquet is read here as a V2 source.
   */
  private static ParquetPushdown parquetPushdown(String query, Path path) {
    String v1 = "spark.sql.sources.useV1SourceList";
    String before = spark.conf().get(v1);
    spark.conf().set(v1, "avro,csv,json,kafka,orc,text");
    spark.conf().set(CONF, "true");
    try {
      spark.read().parquet(path.toString()).createOrReplaceTempView("parquet_v2");
      Dataset<Row> df = spark.sql(String.format(query, "parquet_v2"));
      if (!df.queryExecution().executedPlan().toString().contains("PushedAggregation")) {
        return new ParquetPushdown(false, null, null);
      }
      try {
        return new ParquetPushdown(true, sorted(df), null);
      } catch (Exception e) {
        return new ParquetPushdown(true, null, messages(e));
      }
    } finally {
      spark.conf().set(v1, before);
      spark.conf().unset(CONF);
    }
  }

  /**
   * Parquet's own pushed answer for {@code query} over {@code path}, or null where it does not push
   * the aggregate (beyond Spark's rules: GROUP BY some partition columns, MIN/MAX of one) or its
   * pushdown cannot answer (it throws).
   */
  private static List<String> parquetPushed(String query, Path path) {
    return parquetPushdown(query, path).rows();
  }

  private static List<String> parquetRows(String sql) {
    spark.conf().set(CONF, "false");
    try {
      return sorted(spark.sql(sql));
    } finally {
      spark.conf().unset(CONF);
    }
  }

  @Test
  void answersAsParquetInEveryMode() {
    spark.read().parquet(dir.toString()).createOrReplaceTempView("ap");
    Map<String, List<String>> expected = new LinkedHashMap<>();
    Map<String, List<String>> pushedByParquet = new LinkedHashMap<>();
    for (String q : concat(PUSHABLE, ON_ONLY, NOT_PUSHED)) {
      expected.put(q, parquetRows(String.format(q, "ap")));
    }
    for (String q : concat(PUSHABLE, ON_ONLY)) {
      List<String> p = parquetPushed(q, dir);
      if (p != null) pushedByParquet.put(q, p);
    }
    // Parquet's own pushdown answers at least COUNT(*) and integral MIN/MAX here. Its answer
    // differs from its rows in one place: COUNT of a partition column with null values counts
    // the null partition's rows too (Spark 4.1.1). homi answers as the rows do, so that query is
    // compared with the rows only.
    assertThat(pushedByParquet).containsKeys(PUSHABLE.get(0), PUSHABLE.get(2));
    List<String> parquetWrong = new ArrayList<>();
    pushedByParquet.forEach(
        (q, rows) -> {
          if (!rows.equals(expected.get(q))) parquetWrong.add(q);
        });
    assertThat(parquetWrong).containsExactly(PUSHABLE.get(1));
    parquetWrong.forEach(pushedByParquet::remove);
    for (String mode : List.of("auto", "on", "off")) {
      homi(dir, mode).createOrReplaceTempView("ah");
      for (String q : expected.keySet()) {
        List<String> got = sorted(spark.sql(String.format(q, "ah")));
        assertThat(got).as(q + " with homi.aggregatePushdown=" + mode).isEqualTo(expected.get(q));
        if (pushedByParquet.containsKey(q)) {
          assertThat(got)
              .as(q + " with homi.aggregatePushdown=" + mode + ", against parquet's own pushdown")
              .isEqualTo(pushedByParquet.get(q));
        }
      }
    }
  }

  private static void assertPushed(String view, List<String> queries, boolean pushed) {
    for (String q : queries) {
      String plan = plan(String.format(q, view));
      if (pushed) assertThat(plan).as(q).contains("PushedAggregation: [");
      else assertThat(plan).as(q).doesNotContain("PushedAggregation");
    }
  }

  @Test
  void thePlanShowsThePushedAggregationWhereTheModesRulesAllowIt() {
    homi(dir, null).createOrReplaceTempView("ah"); // the default: auto
    assertPushed("ah", PUSHABLE, true);
    assertPushed("ah", ON_ONLY, false);
    assertPushed("ah", NOT_PUSHED, false);
    assertThat(plan("SELECT p, q, count(*), min(i) FROM ah GROUP BY p, q"))
        .contains("PushedAggregation: [COUNT(*), MIN(i)] PushedGroupBy: [p, q]");
    homi(dir, "on").createOrReplaceTempView("ah");
    assertPushed("ah", concat(PUSHABLE, ON_ONLY), true);
    assertPushed("ah", NOT_PUSHED, false);
    homi(dir, "off").createOrReplaceTempView("ah");
    assertPushed("ah", concat(PUSHABLE, ON_ONLY, NOT_PUSHED), false);

    // The session's spark.homi.aggregatePushdown, under a read option.
    spark.conf().set(HOMI, "off");
    homi(dir, null).createOrReplaceTempView("ah");
    assertPushed("ah", PUSHABLE.subList(0, 1), false);
    homi(dir, "auto").createOrReplaceTempView("ah");
    assertPushed("ah", PUSHABLE.subList(0, 1), true);
    spark.conf().unset(HOMI);

    // Spark's switch, set by the user, decides where homi's is not given.
    String count = PUSHABLE.get(0);
    String floats = ON_ONLY.get(0);
    homi(dir, null).createOrReplaceTempView("ah");
    spark.conf().set(CONF, "true");
    assertPushed("ah", List.of(count, floats), true); // on
    spark.conf().set(CONF, "false");
    assertPushed("ah", List.of(count, floats), false); // off
    homi(dir, "auto").createOrReplaceTempView("ah");
    assertPushed("ah", List.of(count), true); // the homi setting wins
    assertPushed("ah", List.of(floats), false);
    spark.conf().set(CONF, "true");
    spark.conf().set(HOMI, "auto");
    homi(dir, null).createOrReplaceTempView("ah");
    assertPushed("ah", List.of(count), true);
    assertPushed("ah", List.of(floats), false);
  }

  @Test
  void countOfANestedColumnIsPushedUnderOnOnlyAndAnswersAsParquet() throws IOException {
    // A struct's footer statistics are per leaf: its COUNT is never a footer's answer.
    Path nested = freshDir("aggpush-nested");
    spark
        .range(0, 3000, 1, 2)
        .selectExpr(
            "id", "CASE WHEN id % 4 = 0 THEN NULL ELSE named_struct('a', id, 'b', 'x') END AS st")
        .write()
        .parquet(nested.toString());
    spark.read().parquet(nested.toString()).createOrReplaceTempView("stp");
    String q = "SELECT count(st), count(*) FROM %s";
    List<String> expected = parquetRows(String.format(q, "stp"));
    assertThat(expected).containsExactly("[2250,3000]");
    for (String mode : List.of("auto", "on")) {
      homi(nested, mode).createOrReplaceTempView("sth");
      String plan = plan(String.format(q, "sth"));
      if (mode.equals("on")) assertThat(plan).contains("PushedAggregation: [COUNT(st), COUNT(*)]");
      else assertThat(plan).doesNotContain("PushedAggregation");
      assertThat(sorted(spark.sql(String.format(q, "sth")))).as(mode).isEqualTo(expected);
    }
  }

  @Test
  void aBadModeFailsNamingTheSetting() {
    assertThatThrownBy(() -> homi(dir, "maybe").selectExpr("count(*)").collectAsList())
        .satisfies(
            t ->
                assertThat(messages(t))
                    .contains("homi.aggregatePushdown must be one of auto, on, off: got 'maybe'"));
  }

  @Test
  void theDefaultPushesCountStarFromFootersAndRefusesWhatIsNotExact() throws IOException {
    spark
        .conf()
        .set(
            "spark.sql.adaptive.enabled",
            "false"); // the scan's metrics on the plan, not inside a query stage
    // COUNT(*): every footer answers; nothing is decoded.
    Dataset<Row> count = homi(big, null).selectExpr("count(*)");
    assertThat(count.queryExecution().executedPlan().toString())
        .contains("PushedAggregation: [COUNT(*)] PushedGroupBy: []");
    spark.read().parquet(big.toString()).createOrReplaceTempView("bigp");
    assertThat(sorted(count))
        .isEqualTo(parquetRows("SELECT count(*) FROM bigp"))
        .isEqualTo(parquetPushed("SELECT count(*) FROM %s", big))
        .containsExactly("[400000]");
    Map<String, Long> m = MetricsIT.scanMetrics(count);
    assertThat(m.get("homiFilesAnsweredFromFooter")).isEqualTo(2);
    assertThat(m.get("homiFilesAggregatedFromValues")).isZero();
    assertThat(m.get("homiRowsDecoded")).isZero();

    // Float/double MIN/MAX: not pushed under auto; Spark aggregates the rows and sees the NaN.
    spark.read().parquet(nan.toString()).createOrReplaceTempView("nanp");
    homi(nan, null).createOrReplaceTempView("nanh");
    String floats = "SELECT min(d), max(d), min(f), max(f) FROM %s";
    assertThat(plan(String.format(floats, "nanh"))).doesNotContain("PushedAggregation");
    List<String> expected = parquetRows(String.format(floats, "nanp"));
    assertThat(expected.get(0)).contains("NaN");
    assertThat(sorted(spark.sql(String.format(floats, "nanh")))).isEqualTo(expected);

    // Byte-array statistics of parquet-mr before 1.8.0 (PARQUET-251): the same file but for
    // created_by; COUNT(s) is read from the values there, MIN/MAX(i) still from the footer.
    String q = "SELECT count(*), count(s), min(i), max(i) FROM %s";
    for (Path p : List.of(newWriter, oldWriter)) {
      boolean old = p.equals(oldWriter);
      spark.read().parquet(p.toString()).createOrReplaceTempView("wp");
      homi(p, null).createOrReplaceTempView("wh");
      Dataset<Row> df = spark.sql(String.format(q, "wh"));
      assertThat(df.queryExecution().executedPlan().toString())
          .contains("PushedAggregation: [COUNT(*), COUNT(s), MIN(i), MAX(i)]");
      List<String> rows = parquetRows(String.format(q, "wp"));
      assertThat(sorted(df))
          .as(p.toString())
          .isEqualTo(rows)
          .containsExactly("[8000,6666,-100,7899]");
      List<String> parquets = parquetPushed(q, p);
      if (!old) assertThat(parquets).isEqualTo(rows);
      else if (parquets != null) assertThat(parquets).isEqualTo(rows);
      Map<String, Long> w = MetricsIT.scanMetrics(df);
      assertThat(w.get("homiFilesAnsweredFromFooter")).as(p.toString()).isEqualTo(old ? 0 : 1);
      assertThat(w.get("homiFilesAggregatedFromValues")).as(p.toString()).isEqualTo(old ? 1 : 0);
      if (old) assertThat(w.get("homiRowsDecoded")).isEqualTo(8000);
      else assertThat(w.get("homiRowsDecoded")).isZero();
    }
  }

  @Test
  void deprecatedBoundsAnswerAndAMissingNullCountIsRead() throws IOException {
    spark.conf().set("spark.sql.adaptive.enabled", "false");
    // The same file twice more: once with only the deprecated min/max (signed order, which an
    // INT32 column's are), once with one chunk of the string column lacking its null count.
    Path deprecated = Files.createDirectories(freshDir("aggpush-deprecated"));
    Path noNullCount = Files.createDirectories(freshDir("aggpush-nonullcount"));
    try (var files = Files.list(newWriter)) {
      for (Path f : files.filter(f -> f.toString().endsWith(".parquet")).toList()) {
        rewriteFooter(
            f,
            deprecated.resolve(f.getFileName()),
            md -> {
              for (var rg : md.getRow_groups()) {
                var i = rg.getColumns().get(1).getMeta_data().getStatistics(); // column i
                assertThat(i.isSetMin() && i.isSetMax()).as("deprecated min/max written").isTrue();
                for (var c : rg.getColumns()) {
                  c.getMeta_data().getStatistics().unsetMin_value();
                  c.getMeta_data().getStatistics().unsetMax_value();
                }
              }
            });
        rewriteFooter(
            f,
            noNullCount.resolve(f.getFileName()),
            md ->
                md.getRow_groups()
                    .get(0)
                    .getColumns()
                    .get(0) // column s
                    .getMeta_data()
                    .getStatistics()
                    .unsetNull_count());
      }
    }
    String q = "SELECT count(*), count(s), min(i), max(i) FROM %s";
    for (Path p : List.of(deprecated, noNullCount)) {
      boolean fromFooter = p.equals(deprecated);
      spark.read().parquet(p.toString()).createOrReplaceTempView("rp");
      homi(p, null).createOrReplaceTempView("rh");
      List<String> rows = parquetRows(String.format(q, "rp"));
      assertThat(rows).containsExactly("[8000,6666,-100,7899]");
      Dataset<Row> df = spark.sql(String.format(q, "rh"));
      assertThat(df.queryExecution().executedPlan().toString())
          .contains("PushedAggregation: [COUNT(*), COUNT(s), MIN(i), MAX(i)]");
      assertThat(sorted(df)).as(p.toString()).isEqualTo(rows);
      List<String> parquets = parquetPushed(q, p);
      if (parquets != null) assertThat(parquets).as(p.toString()).isEqualTo(rows);
      Map<String, Long> m = MetricsIT.scanMetrics(df);
      assertThat(m.get("homiFilesAnsweredFromFooter"))
          .as(p.toString())
          .isEqualTo(fromFooter ? 1 : 0);
      assertThat(m.get("homiFilesAggregatedFromValues"))
          .as(p.toString())
          .isEqualTo(fromFooter ? 0 : 1);
    }
  }

  @Test
  void footersAnswerWithoutReadingColumnValues() throws IOException {
    spark
        .conf()
        .set(
            "spark.sql.adaptive.enabled",
            "false"); // the scan's metrics on the plan, not inside a query stage
    Dataset<Row> df =
        spark
            .read()
            .format("homi")
            .load(big.toString())
            .selectExpr("count(*)", "min(i)", "max(l)", "count(s)");
    Row r = df.collectAsList().get(0);
    spark.conf().set(CONF, "false");
    assertThat(r)
        .isEqualTo(
            spark
                .read()
                .parquet(big.toString())
                .selectExpr("count(*)", "min(i)", "max(l)", "count(s)")
                .collectAsList()
                .get(0));
    spark.conf().unset(CONF);
    assertThat(r.getLong(0)).isEqualTo(400_000L);
    Map<String, Long> m = MetricsIT.scanMetrics(df);
    assertThat(m.get("homiFilesAggregatedFromValues")).isZero();
    assertThat(m.get("homiFilesAnsweredFromFooter")).isEqualTo(2);
    assertThat(m.get("homiRowsDecoded")).isZero();
    assertThat(m.get("homiRowGroupsRead")).isZero();
    long bytes =
        m.get("homiBytesOs")
            + m.get("homiBytesDirect")
            + m.get("homiBytesDevice")
            + m.get("homiBytesPassthrough");
    // Footers may be cached from planning (0 bytes); else about a speculative tail per file.
    assertThat(bytes).as("footer bytes only").isLessThan(MetricsIT.totalSize(big) / 10);
  }

  @Test
  void filesWithoutStatisticsAreReadInstead() {
    String q = "SELECT p, count(*), count(i), min(i), max(i), max(l) FROM %s GROUP BY p";
    spark.read().parquet(noStats.toString()).createOrReplaceTempView("np");
    List<String> expected = parquetRows(String.format(q, "np"));
    spark.conf().set("spark.sql.adaptive.enabled", "false");
    homi(noStats, null).createOrReplaceTempView("nh"); // auto: pushed, then read per file
    Dataset<Row> df = spark.sql(String.format(q, "nh"));
    assertThat(df.queryExecution().executedPlan().toString()).contains("PushedAggregation");
    assertThat(sorted(df)).isEqualTo(expected);
    Map<String, Long> m = MetricsIT.scanMetrics(df);
    assertThat(m.get("homiFilesAggregatedFromValues")).isPositive();
    assertThat(m.get("homiFilesAnsweredFromFooter")).isZero();
  }

  @Test
  void aNaNInADoubleColumnIsSeenAsSparkSeesIt() {
    // parquet-mr leaves a NaN out of the bounds it writes; Spark's MAX of doubles is NaN. Under
    // on (here through Spark's own switch) the aggregate is pushed and the file read for values.
    String q = "SELECT min(d), max(d), min(f), max(f), count(d) FROM %s";
    spark.read().parquet(nan.toString()).createOrReplaceTempView("nanp");
    List<String> expected = parquetRows(String.format(q, "nanp"));
    assertThat(expected.get(0)).contains("NaN");
    spark.conf().set(CONF, "true");
    spark.read().format("homi").load(nan.toString()).createOrReplaceTempView("nanh");
    Dataset<Row> df = spark.sql(String.format(q, "nanh"));
    assertThat(df.queryExecution().executedPlan().toString()).contains("PushedAggregation");
    assertThat(sorted(df)).isEqualTo(expected);
    // Parquet's own pushdown takes the query, then fails it: parquet-java drops bounds holding a
    // NaN, and Spark's footer reader has no fallback (Spark 4.1.1).
    ParquetPushdown p = parquetPushdown(q, nan);
    assertThat(p.pushed()).isTrue();
    assertThat(p.rows()).isNull();
    assertThat(p.error()).contains("No min/max found for Parquet file");
  }

  private static String plan(String sql) {
    return spark.sql(sql).queryExecution().executedPlan().toString();
  }

  private static List<String> sorted(Dataset<Row> df) {
    List<String> out = new ArrayList<>();
    for (Row r : df.collectAsList()) out.add(r.toString());
    out.sort(Comparator.naturalOrder());
    return out;
  }
}
