package io.homi.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Spark's file options behave for homi as for format("parquet") on the same files:
 * ignoreCorruptFiles / ignoreMissingFiles (session settings and read options), the split settings
 * (same task counts), and empty files (skipped; named when nothing else is there).
 */
class FileOptionsIT extends SparkTestBase {
  @AfterEach
  void unset() {
    for (String k :
        List.of(
            "ignoreCorruptFiles",
            "ignoreMissingFiles",
            "maxPartitionBytes",
            "openCostInBytes",
            "minPartitionNum")) {
      spark.conf().unset("spark.sql.files." + k);
    }
  }

  private static Path twoGoodFiles(String name) throws IOException {
    Path dir = freshDir(name);
    spark.range(0, 10_000, 1, 2).selectExpr("id", "id % 7 AS k").write().parquet(dir.toString());
    return dir;
  }

  private static long count(String format, Path dir, boolean option, String name) {
    var r = spark.read().format(format);
    if (option) r = r.option(name, "true");
    return r.load(dir.toString()).count();
  }

  private static String failure(String format, Path dir) {
    try {
      spark.read().format(format).load(dir.toString()).collectAsList();
      return null;
    } catch (Exception e) {
      return messages(e);
    }
  }

  @Test
  void ignoreCorruptFilesAsForParquet() throws IOException {
    Path dir = twoGoodFiles("options-corrupt");
    // Sorts after the good files, so that schema inference reads a good footer (as parquet's does).
    Files.write(
        dir.resolve("zz-corrupt.parquet"),
        "PAR1 this is not a parquet file at all PAR1".getBytes());
    assertThat(failure("parquet", dir)).isNotNull();
    assertThat(failure("homi", dir)).isNotNull().contains("zz-corrupt.parquet");
    assertThat(count("homi", dir, true, "ignoreCorruptFiles"))
        .isEqualTo(count("parquet", dir, true, "ignoreCorruptFiles"))
        .isEqualTo(10_000);
    spark.conf().set("spark.sql.files.ignoreCorruptFiles", "true");
    assertThat(count("homi", dir, false, null))
        .isEqualTo(count("parquet", dir, false, null))
        .isEqualTo(10_000);
  }

  @Test
  void ignoreMissingFilesAsForParquet() throws IOException {
    for (boolean viaOption : List.of(true, false)) {
      Path dir = twoGoodFiles("options-missing");
      if (!viaOption) spark.conf().set("spark.sql.files.ignoreMissingFiles", "true");
      var homiReader = spark.read().format("homi");
      var parquetReader = spark.read().format("parquet");
      if (viaOption) {
        homiReader = homiReader.option("ignoreMissingFiles", "true");
        parquetReader = parquetReader.option("ignoreMissingFiles", "true");
      }
      Dataset<Row> homi = homiReader.load(dir.toString());
      Dataset<Row> parquet = parquetReader.load(dir.toString());
      Dataset<Row> homiStrict =
          spark.read().option("ignoreMissingFiles", "false").format("homi").load(dir.toString());
      // Listed, then gone before the read.
      try (Stream<Path> s = Files.list(dir)) {
        Files.delete(
            s.filter(p -> p.toString().endsWith(".parquet")).sorted().findFirst().orElseThrow());
      }
      long left = parquet.count();
      assertThat(left).isLessThan(10_000).isPositive();
      assertThat(homi.count()).isEqualTo(left);
      String strict = null;
      try {
        homiStrict.count();
      } catch (Exception e) {
        strict = messages(e);
      }
      assertThat(strict).as("without ignoreMissingFiles").isNotNull().contains(".parquet");
      spark.conf().unset("spark.sql.files.ignoreMissingFiles");
    }
  }

  @Test
  void splitSettingsGiveParquetsTaskCounts() throws IOException {
    Path dir = freshDir("options-splits");
    spark
        .range(0, 200_000, 1, 4)
        .selectExpr("id", "concat('v', CAST(id AS STRING)) AS s")
        .write()
        .option("parquet.block.size", 256 * 1024)
        .parquet(dir.toString());
    String[][] settings = {
      {"128m", "4m", "1"},
      {"128k", "4m", "1"},
      {"256k", "1k", "1"},
      {"128m", "4m", "16"},
      {"1m", "512k", "3"}
    };
    java.util.Set<Integer> seen = new java.util.HashSet<>();
    for (String[] s : settings) {
      spark.conf().set("spark.sql.files.maxPartitionBytes", s[0]);
      spark.conf().set("spark.sql.files.openCostInBytes", s[1]);
      spark.conf().set("spark.sql.files.minPartitionNum", s[2]);
      int homi = spark.read().format("homi").load(dir.toString()).rdd().getNumPartitions();
      int parquet = spark.read().parquet(dir.toString()).rdd().getNumPartitions();
      assertThat(homi).as(String.join(",", s)).isEqualTo(parquet);
      seen.add(homi);
      assertThat(spark.read().format("homi").load(dir.toString()).count()).isEqualTo(200_000);
    }
    assertThat(seen).as("the settings change the splits").hasSizeGreaterThan(2);
  }

  @Test
  void emptyFilesAreSkippedAndNamedWhenAlone() throws IOException {
    Path alone = freshDir("options-empty-alone");
    Files.createDirectories(alone);
    Files.createFile(alone.resolve("empty.parquet"));
    // parquet fails reading its footer; homi says that the file is empty. Both name it.
    assertThat(failure("parquet", alone)).contains("empty.parquet");
    assertThat(failure("homi", alone))
        .contains("UNABLE_TO_INFER_SCHEMA")
        .contains("empty.parquet")
        .contains("empty (0 bytes");

    // Beside other files (sorting after them, so that schema inference reads a good footer) it has
    // no rows.
    Path mixed = twoGoodFiles("options-empty-mixed");
    Files.createFile(mixed.resolve("zz-empty.parquet"));
    assertThat(spark.read().format("homi").load(mixed.toString()).orderBy("id").collectAsList())
        .isEqualTo(spark.read().parquet(mixed.toString()).orderBy("id").collectAsList())
        .hasSize(10_000);
  }
}
