package io.homi.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.Stream;
import org.apache.parquet.format.ColumnMetaData;
import org.apache.parquet.format.FileMetaData;
import org.apache.parquet.format.Util;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Work done once per JVM instead of twice (footers parsed at planning reused by the tasks) and row
 * groups fetched ahead of decoding: the rows stay equal to Spark's own reader, a file rewritten
 * under the same path between two queries is read anew, and a bad row group that was being fetched
 * ahead fails clearly when its turn comes.
 */
@Timeout(180)
class PrefetchAndReuseIT extends SparkTestBase {
  /** Several files, several row groups each: prefetch within a file and across a task's files. */
  private static Path multiRowGroupTable(String name) throws IOException {
    Path dir = freshDir(name);
    spark
        .range(0, 200_000, 1, 3)
        .selectExpr(
            "id",
            "id % 97 AS k",
            "concat('s', CAST(id % 1013 AS STRING)) AS s",
            "CAST(id AS DOUBLE) / 3 AS d")
        .write()
        .option("parquet.block.size", 256 * 1024)
        .parquet(dir.toString());
    return dir;
  }

  @ParameterizedTest(name = "homi.prefetchRowGroups={0}")
  @ValueSource(ints = {0, 1, 3})
  void everyDepthReadsWhatSparkReads(int depth) throws IOException {
    Path dir = multiRowGroupTable("prefetch-" + depth);
    assertThat(MetricsIT.countRowGroups(dir)).as("row groups").isGreaterThan(6);
    // maxPartitionBytes small enough for several row groups and files per task, large enough to
    // pack splits
    spark.conf().set("spark.sql.files.maxPartitionBytes", String.valueOf(4L << 20));
    try {
      List<Row> homi =
          spark
              .read()
              .format("homi")
              .option("homi.prefetchRowGroups", depth)
              .load(dir.toString())
              .orderBy("id")
              .collectAsList();
      List<Row> parquet = rows("parquet", dir, "id");
      assertThat(homi).hasSize(200_000).isEqualTo(parquet);
    } finally {
      spark.conf().unset("spark.sql.files.maxPartitionBytes");
    }
  }

  @Test
  void aBadPrefetchOptionFailsNamingIt() {
    Throwable t =
        catchThrowable(
            () ->
                spark
                    .read()
                    .format("homi")
                    .option("homi.prefetchRowGroups", "9")
                    .load(workDir.toString())
                    .collectAsList());
    assertThat(messages(t)).contains("homi.prefetchRowGroups").contains("[0, 8]").contains("'9'");
  }

  @Test
  void aFileRewrittenUnderTheSamePathBetweenTwoQueriesIsReadAnew() throws IOException {
    Path dir = freshDir("rewritten");
    spark.range(0, 50_000, 1, 1).selectExpr("id", "id * 2 AS v").write().parquet(dir.toString());
    Path file = onlyParquetFile(dir);
    assertThat(
            spark
                .read()
                .format("homi")
                .load(dir.toString())
                .selectExpr("sum(v)")
                .first()
                .getLong(0))
        .isEqualTo(2L * 49_999 * 50_000 / 2);

    // Other content, written in place over the same file (same path, same inode).
    Path other = freshDir("rewritten-source");
    spark.range(0, 30_000, 1, 1).selectExpr("id", "id * 5 AS v").write().parquet(other.toString());
    Files.write(
        file,
        Files.readAllBytes(onlyParquetFile(other)),
        StandardOpenOption.TRUNCATE_EXISTING,
        StandardOpenOption.WRITE);
    Files.deleteIfExists(file.resolveSibling("." + file.getFileName() + ".crc"));
    spark.catalog().refreshByPath(dir.toString()); // Spark's own listing cache, not HOMI's

    List<Row> homi = spark.read().format("homi").load(dir.toString()).orderBy("id").collectAsList();
    assertThat(homi).hasSize(30_000).isEqualTo(rows("parquet", dir, "id"));
    assertThat(homi.get(29_999).getLong(1)).as("the new content").isEqualTo(5L * 29_999);
  }

  @Test
  void aBadRowGroupFetchedAheadFailsNamingFileAndRowGroup() throws IOException {
    Path dir = freshDir("prefetch-fault");
    spark
        .range(0, 100_000, 1, 1)
        .selectExpr("id", "id * 3 AS v")
        .write()
        .option("parquet.block.size", 128 * 1024)
        .parquet(dir.toString());
    Path file = onlyParquetFile(dir);
    assertThat(MetricsIT.countRowGroups(dir)).isGreaterThanOrEqualTo(3);
    lieAboutValueCount(
        file, 2,
        1); // column v: found when row group 2 opens (a chunk outside the file fails at the footer)
    Files.deleteIfExists(file.resolveSibling("." + file.getFileName() + ".crc"));
    Throwable t =
        catchThrowable(
            () ->
                spark
                    .read()
                    .format("homi")
                    .option("homi.prefetchRowGroups", 1)
                    .load(dir.toString())
                    .selectExpr("sum(id)", "sum(v)")
                    .collectAsList());
    assertThat(t).as("reading the damaged file must fail").isNotNull();
    assertThat(messages(t))
        .contains(file.toString())
        .contains("row group 2")
        .contains("values for the row group's");
  }

  private static Path onlyParquetFile(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      List<Path> files = s.filter(p -> p.toString().endsWith(".parquet")).toList();
      assertThat(files).hasSize(1);
      return files.get(0);
    }
  }

  /**
   * Rewrites the footer so that row group {@code rg}'s column chunk {@code col} claims one value
   * more than the row group's rows.
   */
  private static void lieAboutValueCount(Path file, int rg, int col) throws IOException {
    byte[] all = Files.readAllBytes(file);
    int footerLen = ByteBuffer.wrap(all, all.length - 8, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
    int footerStart = all.length - 8 - footerLen;
    FileMetaData md = Util.readFileMetaData(new ByteArrayInputStream(all, footerStart, footerLen));
    ColumnMetaData cm = md.getRow_groups().get(rg).getColumns().get(col).getMeta_data();
    cm.setNum_values(cm.getNum_values() + 1);
    ByteArrayOutputStream footer = new ByteArrayOutputStream();
    Util.writeFileMetaData(md, footer);
    ByteBuffer tail =
        ByteBuffer.allocate(8)
            .order(ByteOrder.LITTLE_ENDIAN)
            .putInt(footer.size())
            .put("PAR1".getBytes());
    try (var out = Files.newOutputStream(file, StandardOpenOption.TRUNCATE_EXISTING)) {
      out.write(all, 0, footerStart);
      footer.writeTo(out);
      out.write(tail.array());
    }
  }
}
