package io.homi.runtime.parquet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.homi.runtime.HomiConfig;
import io.homi.runtime.HomiRuntime;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.format.FileMetaData;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One footer parser: the reader (bytes through the mediator), {@code inspect} and the GPU tools
 * (plain file reads) accept the same files with the same footer, and refuse the same damage with
 * the same message naming the file.
 */
class ParquetFooterTest {
  @TempDir Path dir;

  @Test
  void bothReadsGiveTheSameFooterSmallAndLargerThanTheSpeculativeTail() throws IOException {
    Path small = dir.resolve("small.parquet");
    TestParquetFiles.writeIds(small, 30_000);
    Path large = dir.resolve("large.parquet");
    writeWithLargeFooter(large);
    for (Path p : List.of(small, large)) {
      ParquetFooter.Footer plain = ParquetFooter.read(p);
      FileMetaData mediated;
      try (ParquetFileReader f =
          ParquetFileReader.open(HomiRuntime.get(), p, HomiConfig.defaults())) {
        mediated = f.metadata();
      }
      assertThat(mediated).as(p.toString()).isEqualTo(plain.metadata());
      assertThat(plain.offset() + plain.length() + 8).isEqualTo(Files.size(p));
      ParquetLayout layout = ParquetLayout.read(p);
      assertThat(layout.rowGroups()).hasSize(plain.metadata().getRow_groupsSize());
      assertThat(layout.footerOffset()).isEqualTo(plain.offset());
    }
    assertThat(ParquetFooter.read(large).length())
        .as("footer beyond the 64 KiB speculative tail")
        .isGreaterThan(64 << 10);
  }

  @Test
  void damageIsRefusedWithTheSameMessageByEveryReader() throws IOException {
    Path good = dir.resolve("good.parquet");
    TestParquetFiles.writeIds(good, 5_000);
    byte[] bytes = Files.readAllBytes(good);
    int n = bytes.length;
    Map<String, UnaryOperator<byte[]>> damage = new java.util.LinkedHashMap<>();
    damage.put("short", b -> Arrays.copyOf(b, 11));
    damage.put("start-magic", b -> set(b, 0, "PAR2"));
    damage.put("end-magic", b -> set(b, n - 4, "PARX"));
    damage.put("encrypted", b -> set(b, n - 4, "PARE"));
    damage.put("footer-too-long", b -> setInt(b, n - 8, n));
    damage.put("footer-zero", b -> setInt(b, n - 8, 0));
    damage.put("footer-huge", b -> setInt(b, n - 8, -1)); // 4 GiB - 1: never allocated
    damage.put(
        "footer-garbage",
        b -> {
          int len = ByteBuffer.wrap(b, n - 8, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
          byte[] c = b.clone();
          Arrays.fill(c, n - 8 - len, n - 8, (byte) 0xee);
          return c;
        });
    for (Map.Entry<String, UnaryOperator<byte[]>> d : damage.entrySet()) {
      Path p = dir.resolve(d.getKey() + ".parquet");
      Files.write(p, d.getValue().apply(bytes.clone()));
      Throwable plain = catchThrowable(() -> ParquetFooter.read(p));
      Throwable layout = catchThrowable(() -> ParquetLayout.read(p));
      Throwable mediated =
          catchThrowable(
              () -> {
                try (ParquetFileReader f =
                    ParquetFileReader.open(HomiRuntime.get(), p, HomiConfig.defaults())) {
                  f.metadata();
                }
              });
      assertThat(plain)
          .as(d.getKey())
          .isInstanceOf(HomiParquetException.class)
          .hasMessageContaining(p.toString());
      assertThat(layout).as(d.getKey()).hasMessage(plain.getMessage()).hasSameClassAs(plain);
      assertThat(mediated).as(d.getKey()).hasMessage(plain.getMessage()).hasSameClassAs(plain);
    }
    assertThat(catchThrowable(() -> ParquetFooter.read(dir.resolve("encrypted.parquet"))))
        .isInstanceOf(UnsupportedParquetException.class)
        .hasMessageContaining("encrypted");
    assertThat(catchThrowable(() -> ParquetFooter.read(dir.resolve("footer-too-long.parquet"))))
        .hasMessageContaining("footer length " + n + " at offset " + (n - 8) + " does not fit");
    assertThat(ParquetFooter.looksLikeParquet(good)).isTrue();
    assertThat(ParquetFooter.looksLikeParquet(dir.resolve("start-magic.parquet"))).isFalse();
  }

  @Test
  void aChunkOutsideTheFileIsTheSameErrorForInspectAndTheReader() throws IOException {
    Path p = dir.resolve("moved.parquet");
    TestParquetFiles.writeIds(p, 30_000);
    TestParquetFiles.moveChunkPastTheEnd(p, 1);
    Throwable layout = catchThrowable(() -> ParquetLayout.read(p));
    Throwable read =
        catchThrowable(
            () -> {
              try (ParquetFileReader f =
                      ParquetFileReader.open(HomiRuntime.get(), p, HomiConfig.defaults());
                  RowGroupReader rg = f.openRowGroup(1, List.of(f.schema().column("id")))) {
                rg.rows();
              }
            });
    assertThat(layout)
        .isInstanceOf(CorruptParquetException.class)
        .hasMessageContaining("row group 1 column 'id'")
        .hasMessageContaining("lies outside the file's data");
    assertThat(read).hasMessage(layout.getMessage());
  }

  private static byte[] set(byte[] b, int at, String magic) {
    System.arraycopy(magic.getBytes(StandardCharsets.US_ASCII), 0, b, at, 4);
    return b;
  }

  private static byte[] setInt(byte[] b, int at, int v) {
    ByteBuffer.wrap(b, at, 4).order(ByteOrder.LITTLE_ENDIAN).putInt(v);
    return b;
  }

  /** A file whose footer carries 100 KiB of key-value metadata. */
  private static void writeWithLargeFooter(Path file) throws IOException {
    MessageType schema = MessageTypeParser.parseMessageType("message t { required int64 id; }");
    SimpleGroupFactory f = new SimpleGroupFactory(schema);
    try (ParquetWriter<Group> w =
        ExampleParquetWriter.builder(new org.apache.hadoop.fs.Path(file.toUri()))
            .withConf(new Configuration())
            .withType(schema)
            .withExtraMetaData(Map.of("big", "x".repeat(100 << 10)))
            .build()) {
      for (int i = 0; i < 1000; i++) w.write(f.newGroup().append("id", (long) i));
    }
  }
}
