package io.homi.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.homi.runtime.HomiConfig;
import io.homi.runtime.HomiRuntime;
import io.homi.runtime.parquet.ColumnDescriptor;
import io.homi.runtime.parquet.DictionaryBatch;
import io.homi.runtime.parquet.ParquetFileReader;
import io.homi.runtime.parquet.RowGroupReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.parquet.format.ColumnChunk;
import org.apache.parquet.format.ColumnMetaData;
import org.apache.parquet.format.Encoding;
import org.apache.parquet.format.PageHeader;
import org.apache.parquet.format.RowGroup;
import org.apache.parquet.format.Util;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Lazy dictionary columns (homi.lazyDictionary, on by default): batches of dictionary-encoded
 * columns reach Spark as ids decoded on get. Each file is read by homi lazily, by homi eagerly and
 * by Spark's own reader, and all three must agree row for row; the runtime side is checked to
 * really keep ids (and to fall back to values where a batch reaches a PLAIN page).
 */
@Timeout(300)
class DictionaryIT extends SparkTestBase {
  /**
   * Every type a Parquet dictionary can hold, low cardinality, a null every 7th row, values that
   * change per row group.
   */
  private static final String[] TYPED = {
    "id",
    "CAST(v % 100 AS TINYINT) AS i8",
    "CAST(v AS SMALLINT) AS i16",
    "CAST(v AS INT) AS i32",
    "v * 1000003 AS i64",
    "CAST(v AS FLOAT) / 7 AS f32",
    "CAST(v AS DOUBLE) / 7 AS f64",
    "CAST(v / 100 AS DECIMAL(9,2)) AS dec9",
    "CAST(v * 11 / 1000 AS DECIMAL(18,3)) AS dec18",
    "CAST(v * 123456789 AS DECIMAL(30,4)) AS dec30",
    "concat('name-', CAST(v AS STRING)) AS str",
    "CAST(concat('b', CAST(v AS STRING)) AS BINARY) AS bin",
    "date_add(DATE'2020-01-01', CAST(v AS INT)) AS d",
    "timestamp_seconds(v * 3600) AS ts",
    "CAST(timestamp_seconds(v * 60) AS TIMESTAMP_NTZ) AS ts_ntz"
  };

  private static Dataset<Row> typedSource(long rows) {
    // v: 40 values per row group-sized stretch of ids, a new set every 20,000 rows; null every 7th
    // row.
    return spark
        .range(0, rows, 1, 1)
        .selectExpr(
            "id", "CASE WHEN id % 7 = 3 THEN NULL ELSE (id % 40) + (id DIV 20000) * 1000 END AS v")
        .selectExpr(TYPED);
  }

  /**
   * Writes the typed columns with a timestamp representation and writer version (v2
   * dictionary-encodes FIXED_LEN_BYTE_ARRAY too).
   */
  private static Path writeTyped(String name, String timestampType, String writerVersion)
      throws IOException {
    Path dir = freshDir(name);
    String old = spark.conf().get("spark.sql.parquet.outputTimestampType");
    spark.conf().set("spark.sql.parquet.outputTimestampType", timestampType);
    try {
      typedSource(100_000)
          .coalesce(1)
          .write()
          .option("parquet.block.size", 96 * 1024)
          .option("parquet.writer.version", writerVersion)
          .option("parquet.page.row.count.limit", 3000)
          .parquet(dir.toString());
    } finally {
      spark.conf().set("spark.sql.parquet.outputTimestampType", old);
    }
    return dir;
  }

  /**
   * homi lazy, homi eager and Spark's reader give the same rows; batch size chosen to cross page
   * boundaries.
   */
  private static void assertSameAsSpark(Path dir) {
    List<Row> expected = spark.read().parquet(dir.toString()).orderBy("id").collectAsList();
    List<Row> lazy =
        spark
            .read()
            .format("homi")
            .option("homi.batchRows", 1234)
            .load(dir.toString())
            .orderBy("id")
            .collectAsList();
    List<Row> eager =
        spark
            .read()
            .format("homi")
            .option("homi.batchRows", 1234)
            .option("homi.lazyDictionary", "false")
            .load(dir.toString())
            .orderBy("id")
            .collectAsList();
    assertThat(lazy).hasSameSizeAs(expected);
    assertThat(lazy).isEqualTo(expected);
    assertThat(eager).isEqualTo(expected);
  }

  @Test
  void everyDictionaryTypeWithNullsAndSeveralRowGroups() throws IOException {
    for (String[] run :
        List.of(
            new String[] {"INT96", "v1"},
            new String[] {"TIMESTAMP_MICROS", "v2"},
            new String[] {"TIMESTAMP_MILLIS", "v1"})) {
      String tsType = run[0];
      boolean v2 = run[1].equals("v2");
      Path dir = writeTyped("dict-types-" + tsType, tsType, run[1]);
      Path file = onlyFile(dir);
      try (ParquetFileReader r = open(file)) {
        assertThat(r.rowGroupCount())
            .as("several row groups, each with its own dictionaries")
            .isGreaterThan(1);
        for (RowGroup rg : r.metadata().getRow_groups()) {
          for (ColumnChunk c : rg.getColumns()) {
            String col = c.getMeta_data().getPath_in_schema().get(0);
            if (col.equals("id") || (col.equals("dec30") && !v2))
              continue; // v1 writes FIXED_LEN_BYTE_ARRAY PLAIN
            assertThat(c.getMeta_data().getEncodings())
                .as(col)
                .containsAnyOf(Encoding.RLE_DICTIONARY, Encoding.PLAIN_DICTIONARY);
          }
        }
      }
      assertSameAsSpark(dir);
      // Getters through Spark operators (aggregation, grouping on strings and decimals) on lazy
      // columns.
      String[] agg = {
        "count(*)",
        "sum(i8)",
        "sum(i16)",
        "sum(i32)",
        "sum(i64)",
        "max(f64)",
        "sum(dec9)",
        "sum(dec18)",
        "sum(dec30)",
        "max(str)",
        "min(bin)",
        "max(d)",
        "max(ts)",
        "min(ts_ntz)",
        "min(f32)",
        "count(str)"
      };
      Row want = spark.read().parquet(dir.toString()).selectExpr(agg).first();
      Row got = spark.read().format("homi").load(dir.toString()).selectExpr(agg).first();
      assertThat(got).isEqualTo(want);
      List<Row> wantGroups =
          spark
              .read()
              .parquet(dir.toString())
              .groupBy("str", "dec30")
              .count()
              .orderBy("str", "dec30")
              .collectAsList();
      assertThat(
              spark
                  .read()
                  .format("homi")
                  .load(dir.toString())
                  .groupBy("str", "dec30")
                  .count()
                  .orderBy("str", "dec30")
                  .collectAsList())
          .isEqualTo(wantGroups);
      // Every dictionary column of every batch is kept as ids: nothing here falls back to PLAIN.
      BatchForms forms = forms(file, 1234);
      List<String> dictColumns =
          new ArrayList<>(
              List.of(
                  "i8", "i16", "i32", "i64", "f32", "f64", "dec9", "dec18", "str", "bin", "d", "ts",
                  "ts_ntz"));
      if (v2) dictColumns.add("dec30");
      for (String col : dictColumns) {
        assertThat(forms.lazyBatches(col)).as(col).isPositive();
        assertThat(forms.valueBatches(col)).as(col).isZero();
      }
    }
  }

  @Test
  void dictionaryFallsBackToPlainMidColumnChunk() throws IOException {
    Path dir = freshDir("dict-fallback");
    // A tiny dictionary page limit: parquet-java starts each chunk with a dictionary and switches
    // to PLAIN once the distinct values outgrow it (about 100 new values per 1000-row page here,
    // so a few pages in); 'low' stays within it.
    spark
        .range(0, 60_000, 1, 1)
        .selectExpr(
            "id",
            "CASE WHEN id % 5 = 0 THEN NULL ELSE concat('s', CAST(id DIV 10 AS STRING)) END AS s",
            "(id DIV 10) * 7 AS n",
            "CASE WHEN id % 9 = 0 THEN NULL ELSE CAST(id % 11 AS INT) END AS low")
        .coalesce(1)
        .write()
        .option("parquet.dictionary.page.size", 4096)
        .option("parquet.page.row.count.limit", 1000)
        .option("parquet.block.size", 256 * 1024)
        .parquet(dir.toString());
    Path file = onlyFile(dir);
    try (ParquetFileReader r = open(file)) {
      ColumnMetaData s = r.metadata().getRow_groups().get(0).getColumns().get(1).getMeta_data();
      assertThat(s.getEncodings())
          .as("dictionary then PLAIN pages in one chunk")
          .contains(Encoding.PLAIN)
          .containsAnyOf(Encoding.RLE_DICTIONARY, Encoding.PLAIN_DICTIONARY);
    }
    assertSameAsSpark(dir);
    BatchForms forms = forms(file, 700);
    for (String col : List.of("s", "n")) {
      assertThat(forms.lazyBatches(col)).as(col + " batches on the dictionary pages").isPositive();
      assertThat(forms.valueBatches(col)).as(col + " batches that reach PLAIN pages").isPositive();
    }
    assertThat(forms.valueBatches("low")).isZero();
  }

  @Test
  void outOfRangeDictionaryIdFailsClearly() throws IOException {
    Path dir = freshDir("dict-corrupt-source");
    spark
        .range(0, 5_000, 1, 1)
        .selectExpr("CAST(id % 100 AS INT) AS k")
        .coalesce(1)
        .write()
        .option("compression", "none")
        .parquet(dir.toString());
    Path file = onlyFile(dir);
    long dictOffset;
    try (ParquetFileReader r = open(file)) {
      ColumnMetaData md = r.metadata().getRow_groups().get(0).getColumns().get(0).getMeta_data();
      assertThat(md.isSetDictionary_page_offset()).isTrue();
      dictOffset = md.getDictionary_page_offset();
    }
    // Shrink the dictionary page's declared entry count from 100 to 64 (same Thrift length):
    // ids 64..99 in the data pages now point past the dictionary's end.
    byte[] all = Files.readAllBytes(file);
    ByteArrayInputStream in =
        new ByteArrayInputStream(all, (int) dictOffset, all.length - (int) dictOffset);
    int before = in.available();
    PageHeader h = Util.readPageHeader(in);
    int headerLength = before - in.available();
    assertThat(h.getDictionary_page_header().getNum_values()).isEqualTo(100);
    h.getDictionary_page_header().setNum_values(64);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Util.writePageHeader(h, out);
    assertThat(out.size()).isEqualTo(headerLength);
    System.arraycopy(out.toByteArray(), 0, all, (int) dictOffset, headerLength);
    Path bad = freshDir("dict-corrupt").resolve("bad-ids.parquet");
    Files.createDirectories(bad.getParent());
    Files.write(bad, all);

    for (String lazy : List.of("true", "false")) {
      Throwable t =
          catchThrowable(
              () ->
                  spark
                      .read()
                      .format("homi")
                      .option("homi.lazyDictionary", lazy)
                      .load(bad.toString())
                      .selectExpr("sum(k)")
                      .collectAsList());
      assertThat(t).as("lazy=" + lazy).isNotNull();
      assertThat(messages(t))
          .as("lazy=" + lazy)
          .contains(bad.toString())
          .contains("column 'k'")
          .contains("outside a dictionary of 64");
    }
  }

  @Test
  void badOptionValueFailsAtPlanning() throws IOException {
    Path dir = writeTyped("dict-option", "INT96", "v1");
    Throwable t =
        catchThrowable(
            () ->
                spark
                    .read()
                    .format("homi")
                    .option("homi.lazyDictionary", "maybe")
                    .load(dir.toString())
                    .count());
    assertThat(messages(t)).contains("homi.lazyDictionary must be true or false");
  }

  private static Path onlyFile(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.toString().endsWith(".parquet")).findFirst().orElseThrow();
    }
  }

  private static ParquetFileReader open(Path file) throws IOException {
    return ParquetFileReader.open(HomiRuntime.get(), file, HomiConfig.defaults());
  }

  /** How many batches of each column the runtime kept as ids, and how many as values. */
  private record BatchForms(List<String> names, int[] lazy, int[] values) {
    int lazyBatches(String col) {
      return lazy[names.indexOf(col)];
    }

    int valueBatches(String col) {
      return values[names.indexOf(col)];
    }
  }

  /**
   * Reads every row group of {@code file} in batches of {@code batchRows} through the runtime with
   * a DictionaryBatch per column.
   */
  private static BatchForms forms(Path file, int batchRows) throws IOException {
    try (ParquetFileReader r = open(file);
        BufferAllocator a =
            HomiRuntime.get().allocator().newChildAllocator("dictionary-it", 0, Long.MAX_VALUE)) {
      List<ColumnDescriptor> cols = r.schema().columns();
      List<String> names = new ArrayList<>();
      List<FieldVector> vectors = new ArrayList<>();
      List<DictionaryBatch> batches = new ArrayList<>();
      for (ColumnDescriptor c : cols) {
        names.add(c.name());
        vectors.add(c.arrowField().createVector(a));
        batches.add(new DictionaryBatch());
      }
      int[] lazy = new int[cols.size()];
      int[] values = new int[cols.size()];
      try {
        for (int rg = 0; rg < r.rowGroupCount(); rg++) {
          try (RowGroupReader g = r.openRowGroup(rg, cols)) {
            while (g.rowsLeft() > 0) {
              int n = (int) Math.min(batchRows, g.rowsLeft());
              for (FieldVector v : vectors) {
                v.clear();
                v.setInitialCapacity(batchRows);
                v.allocateNew();
              }
              g.read(vectors, batches, 0, n);
              for (int i = 0; i < cols.size(); i++) {
                DictionaryBatch b = batches.get(i);
                if (b.active()) {
                  lazy[i]++;
                  assertThat(b.dictionary()).isNotNull();
                } else {
                  values[i]++;
                }
              }
            }
          }
        }
      } finally {
        vectors.forEach(FieldVector::close);
      }
      return new BatchForms(names, lazy, values);
    }
  }
}
