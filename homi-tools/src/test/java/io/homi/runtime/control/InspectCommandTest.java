package io.homi.runtime.control;

import static org.assertj.core.api.Assertions.assertThat;

import io.homi.runtime.cli.InspectCommand;
import io.homi.runtime.parquet.ParquetLayout;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.junit.jupiter.api.Test;

/** {@code homi inspect} on a real Parquet file written by parquet-java, and on a corrupt one. */
class InspectCommandTest {
  private static final MessageType SCHEMA =
      MessageTypeParser.parseMessageType(
          "message t { required int64 id; required binary name (UTF8); }");

  @Test
  void parquetChunksAreListedWithTheExtentsTheyFallIn() throws Exception {
    Path p = TestFiles.deviceDir("inspect").resolve("t.parquet");
    writeParquet(p, 20_000);
    ParquetLayout layout = ParquetLayout.read(p);
    assertThat(layout.rowGroups()).hasSizeGreaterThanOrEqualTo(2);
    assertThat(layout.rowGroups().stream().mapToLong(ParquetLayout.RowGroup::rows).sum())
        .isEqualTo(20_000);
    long size = Files.size(p);
    for (ParquetLayout.RowGroup rg : layout.rowGroups()) {
      assertThat(rg.columns()).extracting(ParquetLayout.Chunk::path).containsExactly("id", "name");
      assertThat(rg.columns())
          .allSatisfy(c -> assertThat(c.end()).isLessThanOrEqualTo(layout.footerOffset()));
    }
    assertThat(layout.footerOffset() + layout.footerLength() + 8).isEqualTo(size);

    Result json = inspect(p.toString(), "--json");
    assertThat(json.rc).as(json.err).isZero();
    assertThat(json.out)
        .startsWith("{\"file\":")
        .contains("\"rowGroups\":[{\"index\":0")
        .contains("\"path\":\"id\"")
        .contains("\"fs\":\"ext4\"")
        .contains("\"use\":\"device\"")
        .contains("\"paths\":[\"os\",\"direct\",\"device\",\"gpu\"]");
    ParquetLayout.Chunk first = layout.rowGroups().get(0).columns().get(0);
    assertThat(json.out)
        .contains(
            "\"offset\":" + first.offset() + ",\"length\":" + first.length() + ",\"extents\":[0");

    Result text = inspect(p.toString());
    assertThat(text.rc).isZero();
    assertThat(text.out)
        .contains("identity  dev")
        .contains("device    /dev/")
        .contains("row group 1:")
        .containsPattern("id\\s+SNAPPY\\s+\\[" + first.offset() + ", " + first.end() + "\\)");
    // the map: a legend, an extents line ending in the footer, one line per row group with both
    // columns
    assertThat(text.out)
        .contains("map       ")
        .contains("a=id b=name")
        .containsPattern("(?m)^  extents .*F\\s*$");
    for (ParquetLayout.RowGroup rg : layout.rowGroups()) {
      assertThat(text.out)
          .containsPattern(
              "(?m)^  rg "
                  + rg.index()
                  + "\\s+[.ab|]*a[.ab|]*b[.ab|]*  extents [0-9,-]+  os,direct");
    }
  }

  @Test
  void aCorruptFooterIsAClearErrorNamingTheFileAndOffset() throws Exception {
    Path p = TestFiles.deviceDir("corrupt").resolve("bad.parquet");
    writeParquet(p, 100);
    long size = Files.size(p);
    try (var ch = java.nio.channels.FileChannel.open(p, StandardOpenOption.WRITE)) {
      ch.write(
          java.nio.ByteBuffer.wrap(new byte[] {(byte) 0xff, (byte) 0xff, 0, 0}),
          size - 8); // footer length 65535
    }
    Result r = inspect(p.toString());
    assertThat(r.rc).isEqualTo(1);
    assertThat(r.out)
        .contains("parquet   error: corrupt Parquet file " + p)
        .contains("footer length 65535 at offset " + (size - 8))
        .contains("does not fit");
  }

  @Test
  void missingFilesAndBadArgumentsAreRefused() {
    assertThat(inspect("/nonexistent/file").rc).isEqualTo(1);
    assertThat(inspect().rc).isEqualTo(2);
    assertThat(inspect("a", "b").rc).isEqualTo(2);
  }

  @Test
  void extentListsAreCompact() {
    assertThat(InspectCommand.compact(java.util.List.of(0, 1, 2, 5, 7, 8))).isEqualTo("0-2,5,7-8");
    assertThat(InspectCommand.compact(java.util.List.of())).isEqualTo("-");
  }

  @Test
  void jsonEscaperHandlesQuotesAndControlCharacters() {
    assertThat(InspectCommand.Json.str("a\"b\\c\nd\u0001")).isEqualTo("\"a\\\"b\\\\c\\nd\\u0001\"");
  }

  private static void writeParquet(Path p, int rows) throws Exception {
    Configuration conf = new Configuration();
    SimpleGroupFactory f = new SimpleGroupFactory(SCHEMA);
    try (ParquetWriter<Group> w =
        ExampleParquetWriter.builder(new org.apache.hadoop.fs.Path(p.toUri()))
            .withConf(conf)
            .withType(SCHEMA)
            .withCompressionCodec(CompressionCodecName.SNAPPY)
            .withRowGroupSize((long) 64 * 1024)
            .withPageSize(8 * 1024)
            .build()) {
      for (int i = 0; i < rows; i++)
        w.write(f.newGroup().append("id", (long) i).append("name", "row-" + i * 7919L));
    }
  }

  record Result(int rc, String out, String err) {}

  private static Result inspect(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int rc =
        InspectCommand.run(
            args,
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Result(
        rc, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }
}
