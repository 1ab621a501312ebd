package io.homi.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Spark's file metadata on a homi read, compared with format("parquet") on the same files: the
 * hidden _metadata column (every field, in select and filter), input_file_name() and
 * input_file_block_start/length(), Dataset.inputFiles, and row_index under row-group and page-index
 * pruning and under splits of files.
 */
class MetadataIT extends SparkTestBase {
  private static Path dir;

  @BeforeAll
  static void data() throws IOException {
    dir = freshDir("metadata");
    // Three sorted files, several row groups each, small pages: filters on id prune row groups and
    // pages.
    spark
        .range(0, 60_000, 1, 3)
        .selectExpr("id", "concat('v', CAST(id * 7 AS STRING)) AS s", "id % 10 AS k")
        .write()
        .option("parquet.block.size", 128 * 1024)
        .option("parquet.page.size", 4096)
        .option("parquet.page.row.count.limit", 1000)
        .option("parquet.enable.dictionary", "false")
        .parquet(dir.toString());
  }

  @AfterEach
  void unset() {
    spark.conf().unset("spark.sql.files.maxPartitionBytes");
    spark.conf().unset("spark.sql.files.openCostInBytes");
  }

  private static Dataset<Row> read(String format) {
    return spark.read().format(format).load(dir.toString());
  }

  private static List<Row> both(String format, String where, String... cols) {
    Dataset<Row> df = read(format);
    if (where != null) df = df.where(where);
    return df.selectExpr(cols).orderBy("id").collectAsList();
  }

  @Test
  void metadataColumnEqualsParquet() {
    Dataset<Row> homi = read("homi").select("id", "_metadata");
    // The same fields, types and nullability (Spark's V1 fields also carry internal field
    // metadata).
    assertThat(homi.schema().treeString())
        .isEqualTo(read("parquet").select("id", "_metadata").schema().treeString());
    List<Row> expected = both("parquet", null, "id", "_metadata");
    assertThat(expected).hasSize(60_000);
    assertSameRows(both("homi", null, "id", "_metadata"), expected);
  }

  @Test
  void singleFieldsAndSplitFilesEqualParquet() {
    // Small splits: several tasks per file, file_block_start/length and row_index across splits.
    spark.conf().set("spark.sql.files.maxPartitionBytes", "96k");
    spark.conf().set("spark.sql.files.openCostInBytes", "1k");
    String[] cols = {
      "id",
      "_metadata.file_name",
      "_metadata.file_block_start",
      "_metadata.file_block_length",
      "_metadata.row_index",
      "_metadata.file_size",
      "_metadata.file_modification_time"
    };
    assertThat(read("homi").rdd().getNumPartitions())
        .isEqualTo(read("parquet").rdd().getNumPartitions())
        .isGreaterThan(3);
    assertSameRows(both("homi", null, cols), both("parquet", null, cols));
  }

  @Test
  void rowIndexUnderRowGroupAndPagePruning() {
    String where = "id BETWEEN 23456 AND 23519 OR id BETWEEN 41000 AND 41003";
    String[] cols = {"id", "s", "_metadata.row_index", "_metadata.file_name"};
    List<Row> expected = both("parquet", where, cols);
    assertThat(expected).hasSize(68);
    Dataset<Row> homi =
        read("homi").where(where).selectExpr(cols); // no sort: the scan's metrics stay reachable
    assertSameRows(byId(homi), expected);
    Map<String, Long> m = MetricsIT.scanMetrics(homi);
    assertThat(m.get("homiRowGroupsPruned")).isPositive();
    assertThat(m.get("homiPagesPruned")).isPositive();
  }

  @Test
  void filterOnFileNamePrunesFiles() throws IOException {
    String name = firstFile().getFileName().toString();
    String where = "_metadata.file_name = '" + name + "' AND k = 3";
    List<Row> expected = both("parquet", where, "id", "s", "_metadata.file_path");
    assertThat(expected).hasSize(2_000);
    Dataset<Row> homi = read("homi").where(where).selectExpr("id", "s", "_metadata.file_path");
    assertSameRows(byId(homi), expected);
    Map<String, Long> m = MetricsIT.scanMetrics(homi);
    assertThat(m.get("homiRowGroupsRead")).isEqualTo(rowGroups(firstFile()));
    // A filter on the path alone, and one that matches no file.
    String path = expected.get(0).getString(2);
    assertThat(read("homi").where("_metadata.file_path = '" + path + "'").count())
        .isEqualTo(20_000);
    assertThat(read("homi").where("_metadata.file_name LIKE 'nothing%'").count()).isZero();
  }

  @Test
  void inputFileNameAndBlockEqualParquet() {
    spark.conf().set("spark.sql.files.maxPartitionBytes", "96k");
    spark.conf().set("spark.sql.files.openCostInBytes", "1k");
    String[] cols = {
      "id",
      "input_file_name() AS f",
      "input_file_block_start() AS b",
      "input_file_block_length() AS l"
    };
    List<Row> expected = both("parquet", null, cols);
    assertThat(expected.get(0).getString(1)).startsWith("file:").endsWith(".parquet");
    assertSameRows(both("homi", null, cols), expected);
  }

  @Test
  void inputFilesListsTheFiles() {
    String[] homi = read("homi").inputFiles();
    String[] parquet = read("parquet").inputFiles();
    Arrays.sort(homi);
    Arrays.sort(parquet);
    assertThat(homi).hasSize(3).containsExactly(parquet);
  }

  private static List<Row> byId(Dataset<Row> df) {
    List<Row> rows = new java.util.ArrayList<>(df.collectAsList());
    rows.sort(java.util.Comparator.comparingLong(r -> r.getLong(0)));
    return rows;
  }

  /** Equal lists; on a difference, names the first differing row only (not tens of thousands). */
  static void assertSameRows(List<Row> actual, List<Row> expected) {
    for (int i = 0; i < Math.min(actual.size(), expected.size()); i++) {
      assertThat(actual.get(i)).as("row " + i).isEqualTo(expected.get(i));
    }
    assertThat(actual.size()).as("rows").isEqualTo(expected.size());
  }

  private static Path firstFile() throws IOException {
    try (var s = Files.list(dir)) {
      return s.filter(p -> p.toString().endsWith(".parquet")).sorted().findFirst().orElseThrow();
    }
  }

  private static long rowGroups(Path file) throws IOException {
    try (var r =
        io.homi.runtime.parquet.ParquetFileReader.open(
            io.homi.runtime.HomiRuntime.get(), file, io.homi.runtime.HomiConfig.defaults())) {
      return r.rowGroupCount();
    }
  }
}
