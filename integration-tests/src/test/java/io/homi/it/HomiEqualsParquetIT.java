package io.homi.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.homi.runtime.HomiConfig;
import io.homi.runtime.HomiRuntime;
import io.homi.runtime.parquet.ParquetFileReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.parquet.format.ColumnChunk;
import org.apache.parquet.format.Encoding;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Files written by Spark's own writer (several row groups and pages, nulls, dictionary and plain
 * columns, snappy and uncompressed) read by format("homi") equal format("parquet"): same schema,
 * same rows, every type of the foundation milestone.
 */
class HomiEqualsParquetIT extends SparkTestBase {
  private static final long ROWS = 60_000;

  @ParameterizedTest(name = "codec={0} dictionary={1} path={2}")
  @CsvSource({
    "snappy, true, auto",
    "snappy, false, os",
    "none, true, direct",
    "none, false, auto",
  })
  void homiReturnsWhatSparkReturns(String codec, boolean dictionary, String path)
      throws IOException {
    Path dir = freshDir("equal-" + codec + "-" + dictionary);
    Dataset<Row> data =
        spark
            .range(0, ROWS, 1, 2)
            .selectExpr(
                "id",
                "CASE WHEN id % 7 = 0 THEN NULL ELSE id % 3 = 0 END AS flag",
                "CASE WHEN id % 11 = 0 THEN NULL ELSE CAST(id * 31 % 100000 AS INT) END AS i32",
                "CAST(id % 100 AS TINYINT) AS i8",
                "CASE WHEN id % 5 = 0 THEN NULL ELSE CAST(id % 30000 AS SMALLINT) END AS i16",
                "CASE WHEN id % 13 = 0 THEN NULL ELSE id * 1000003 END AS i64",
                "CASE WHEN id % 17 = 0 THEN NULL ELSE CAST(id AS FLOAT) / 7 END AS f32",
                "CASE WHEN id % 19 = 0 THEN NULL ELSE CAST(id AS DOUBLE) / 3 END AS f64",
                "CASE WHEN id % 4 = 0 THEN NULL ELSE concat('cat-', CAST(id % 50 AS STRING)) END AS low_card",
                "CASE WHEN id % 9 = 0 THEN NULL ELSE concat('value-', CAST(id AS STRING), repeat('x', CAST(id % 40 AS INT))) END AS high_card",
                "CASE WHEN id % 6 = 0 THEN NULL ELSE CAST(concat('b', CAST(id % 1000 AS STRING)) AS BINARY) END AS bin",
                "CASE WHEN id % 8 = 0 THEN NULL ELSE date_add(DATE'2020-01-01', CAST(id % 2000 AS INT)) END AS day",
                "CASE WHEN id % 3 = 0 THEN '' ELSE 'é✓' END AS unicode");
    data.write()
        .option("compression", codec)
        .option("parquet.block.size", 256 * 1024)
        .option("parquet.page.size", 16 * 1024)
        .option("parquet.enable.dictionary", dictionary)
        .parquet(dir.toString());

    assertThat(rowGroups(dir)).as("the writer made several row groups").isGreaterThan(2);
    if (dictionary)
      assertThat(usesEncoding(dir, Encoding.RLE_DICTIONARY, Encoding.PLAIN_DICTIONARY)).isTrue();
    else
      assertThat(usesEncoding(dir, Encoding.RLE_DICTIONARY, Encoding.PLAIN_DICTIONARY)).isFalse();

    Dataset<Row> homi = spark.read().format("homi").option("homi.path", path).load(dir.toString());
    Dataset<Row> parquet = spark.read().format("parquet").load(dir.toString());
    assertThat(homi.schema()).isEqualTo(parquet.schema());
    List<Row> expected = parquet.orderBy("id").collectAsList();
    List<Row> actual = homi.orderBy("id").collectAsList();
    assertThat(actual).hasSize((int) ROWS);
    assertThat(actual).containsExactlyElementsOf(expected);
    // Column pruning and an aggregate over the same files.
    assertThat(homi.selectExpr("sum(i64)", "count(low_card)", "max(day)").collectAsList())
        .isEqualTo(parquet.selectExpr("sum(i64)", "count(low_card)", "max(day)").collectAsList());
    assertThat(homi.count()).isEqualTo(ROWS);
  }

  private static List<Path> parquetFiles(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.getFileName().toString().endsWith(".parquet")).toList();
    }
  }

  private static int rowGroups(Path dir) throws IOException {
    int n = 0;
    for (Path f : parquetFiles(dir)) {
      try (ParquetFileReader r =
          ParquetFileReader.open(HomiRuntime.get(), f, HomiConfig.from(Map.of()))) {
        n += r.rowGroupCount();
      }
    }
    return n;
  }

  private static boolean usesEncoding(Path dir, Encoding... encodings) throws IOException {
    for (Path f : parquetFiles(dir)) {
      try (ParquetFileReader r =
          ParquetFileReader.open(HomiRuntime.get(), f, HomiConfig.from(Map.of()))) {
        for (var rg : r.metadata().getRow_groups()) {
          for (ColumnChunk c : rg.getColumns()) {
            for (Encoding e : encodings)
              if (c.getMeta_data().getEncodings().contains(e)) return true;
          }
        }
      }
    }
    return false;
  }
}
