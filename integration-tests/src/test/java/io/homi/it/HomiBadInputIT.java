package io.homi.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.homi.runtime.HomiConfig;
import io.homi.runtime.HomiRuntime;
import io.homi.runtime.parquet.ParquetFileReader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.apache.parquet.format.ColumnMetaData;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Bad input ends in a clear error naming the file: no crash, no hang, no wrong rows. */
@Timeout(120)
class HomiBadInputIT extends SparkTestBase {
  private static Path good;

  @BeforeAll
  static void writeGoodFile() throws IOException {
    Path dir = freshDir("bad-input-source");
    spark
        .range(0, 20_000)
        .selectExpr("id", "concat('v', CAST(id AS STRING)) AS s")
        .coalesce(1)
        .write()
        .option("parquet.block.size", 64 * 1024)
        .parquet(dir.toString());
    try (Stream<Path> s = Files.list(dir)) {
      good = s.filter(p -> p.toString().endsWith(".parquet")).findFirst().orElseThrow();
    }
  }

  private static String failureOf(Path p) {
    Throwable t =
        catchThrowable(() -> spark.read().format("homi").load(p.toString()).collectAsList());
    assertThat(t).as("reading %s must fail", p).isNotNull();
    return messages(t);
  }

  @Test
  void missingPath() {
    Path p = workDir.resolve("no-such-dir/none.parquet");
    assertThat(failureOf(p)).contains("does not exist").contains(p.toString());
  }

  @Test
  void notParquet() throws IOException {
    Path p = freshDir("not-parquet").resolve("hello.parquet");
    Files.createDirectories(p.getParent());
    Files.writeString(p, "this is a text file, not a Parquet file at all\n".repeat(10));
    assertThat(failureOf(p)).contains(p.toString()).contains("not a Parquet file");
  }

  @Test
  void tooShort() throws IOException {
    Path p = freshDir("short").resolve("tiny.parquet");
    Files.createDirectories(p.getParent());
    Files.write(p, new byte[] {'P', 'A', 'R', '1'});
    assertThat(failureOf(p)).contains(p.toString()).contains("too short");
  }

  @Test
  void truncatedInTheMiddle() throws IOException {
    byte[] all = Files.readAllBytes(good);
    Path p = freshDir("truncated").resolve("cut.parquet");
    Files.createDirectories(p.getParent());
    Files.write(p, Arrays.copyOf(all, all.length / 2));
    assertThat(failureOf(p)).contains(p.toString()).contains("no PAR1 magic at the end");
  }

  @Test
  void footerLengthLargerThanTheFile() throws IOException {
    byte[] all = Files.readAllBytes(good);
    ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN).putInt(all.length - 8, all.length * 4);
    Path p = freshDir("footer-len").resolve("liar.parquet");
    Files.createDirectories(p.getParent());
    Files.write(p, all);
    assertThat(failureOf(p))
        .contains(p.toString())
        .contains("footer length")
        .contains("does not fit");
  }

  @Test
  void corruptColumnChunkFailsAtReadTimeNamingTheFile() throws IOException {
    byte[] all = Files.readAllBytes(good);
    // Overwrite the start of the data pages (right after the leading magic) with junk:
    // the footer is intact, so planning succeeds and the executor must fail clearly.
    for (int i = 4; i < 4 + 64; i++) all[i] = (byte) 0xEE;
    Path p = freshDir("corrupt-pages").resolve("junk.parquet");
    Files.createDirectories(p.getParent());
    Files.write(p, all);
    assertThat(failureOf(p)).contains(p.toString()).contains("corrupt Parquet file");
  }

  @Test
  void aGoodFileStillReads() {
    assertThat(spark.read().format("homi").load(good.toString()).count()).isEqualTo(20_000L);
  }

  @Test
  void pageChecksumsAreVerifiedWhenAsked() throws IOException {
    Path dir = freshDir("crc-source");
    spark
        .range(0, 5_000)
        .selectExpr("id", "CAST(id AS DOUBLE) * 1.5 AS d")
        .coalesce(1)
        .write()
        .option("compression", "none")
        .option("parquet.enable.dictionary", "false")
        .option("parquet.page.write-checksum.enabled", "true")
        .parquet(dir.toString());
    Path clean;
    try (Stream<Path> s = Files.list(dir)) {
      clean = s.filter(p -> p.toString().endsWith(".parquet")).findFirst().orElseThrow();
    }
    List<Row> expected = spark.read().parquet(clean.toString()).orderBy("id").collectAsList();
    // Clean file, verification on: every stored CRC matches what HOMI computes.
    assertThat(
            spark
                .read()
                .format("homi")
                .option("homi.verifyChecksums", "true")
                .load(clean.toString())
                .orderBy("id")
                .collectAsList())
        .isEqualTo(expected);

    // One byte flipped inside the last data page of column d (its values, not its header).
    long chunkEnd;
    try (ParquetFileReader r =
        ParquetFileReader.open(HomiRuntime.get(), clean, HomiConfig.defaults())) {
      ColumnMetaData md = r.metadata().getRow_groups().get(0).getColumns().get(1).getMeta_data();
      chunkEnd = md.getData_page_offset() + md.getTotal_compressed_size();
    }
    byte[] all = Files.readAllBytes(clean);
    all[(int) chunkEnd - 3] ^= 0x40;
    Path bad = freshDir("crc-flipped").resolve("flipped.parquet");
    Files.createDirectories(bad.getParent());
    Files.write(bad, all);

    assertThat(spark.read().format("homi").load(bad.toString()).orderBy("id").collectAsList())
        .as("without verification the flipped byte is silently a different value")
        .isNotEqualTo(expected);
    Throwable t =
        catchThrowable(
            () ->
                spark
                    .read()
                    .format("homi")
                    .option("homi.verifyChecksums", "true")
                    .load(bad.toString())
                    .collectAsList());
    assertThat(messages(t))
        .contains(bad.toString())
        .contains("fails its CRC32 check")
        .contains("column 'd'");
  }
}
