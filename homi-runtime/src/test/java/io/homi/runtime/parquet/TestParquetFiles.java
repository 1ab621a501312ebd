package io.homi.runtime.parquet;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.format.ColumnMetaData;
import org.apache.parquet.format.FileMetaData;
import org.apache.parquet.format.Util;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;

/** Parquet files written by parquet-java for the reader tests, and deliberate damage to them. */
final class TestParquetFiles {
  private static final MessageType IDS =
      MessageTypeParser.parseMessageType("message t { required int64 id; }");

  private TestParquetFiles() {}

  /** {@code rows} rows of {@code id = 7 * row}, plain encoded, in row groups of about 64 KiB. */
  static void writeIds(Path file, int rows) throws IOException {
    writeIds(file, rows, 7);
  }

  static void writeIds(Path file, int rows, long factor) throws IOException {
    Files.deleteIfExists(file);
    SimpleGroupFactory f = new SimpleGroupFactory(IDS);
    try (ParquetWriter<Group> w =
        ExampleParquetWriter.builder(new org.apache.hadoop.fs.Path(file.toUri()))
            .withConf(new Configuration())
            .withType(IDS)
            .withCompressionCodec(CompressionCodecName.SNAPPY)
            .withDictionaryEncoding(false)
            .withPageSize(8 * 1024)
            .withRowGroupSize(64 * 1024L)
            .build()) {
      for (int i = 0; i < rows; i++) w.write(f.newGroup().append("id", factor * i));
    }
  }

  /**
   * Rewrites the footer so that row group {@code rg}'s first column chunk starts past the end of
   * the file.
   */
  /**
   * Rewrites the footer so that row group {@code rg}'s first chunk claims one value more than the
   * row group has rows.
   */
  static void lieAboutValueCount(Path file, int rg) throws IOException {
    byte[] all = Files.readAllBytes(file);
    int footerLen = ByteBuffer.wrap(all, all.length - 8, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
    int footerStart = all.length - 8 - footerLen;
    FileMetaData md =
        Util.readFileMetaData(new java.io.ByteArrayInputStream(all, footerStart, footerLen));
    ColumnMetaData cm = md.getRow_groups().get(rg).getColumns().get(0).getMeta_data();
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

  /**
   * Rewrites the footer so that row group {@code rg}'s first column chunk starts past the end of
   * the file.
   */
  static void moveChunkPastTheEnd(Path file, int rg) throws IOException {
    byte[] all = Files.readAllBytes(file);
    int footerLen = ByteBuffer.wrap(all, all.length - 8, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
    int footerStart = all.length - 8 - footerLen;
    FileMetaData md =
        Util.readFileMetaData(new java.io.ByteArrayInputStream(all, footerStart, footerLen));
    ColumnMetaData cm = md.getRow_groups().get(rg).getColumns().get(0).getMeta_data();
    cm.setData_page_offset(all.length + (1L << 20));
    cm.unsetDictionary_page_offset();
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
