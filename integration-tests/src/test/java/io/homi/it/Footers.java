package io.homi.it;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.function.Consumer;
import org.apache.parquet.format.FileMetaData;
import org.apache.parquet.format.PageHeader;
import org.apache.parquet.format.Util;

/** Byte surgery on Parquet files for hostile-input tests: the footer and page headers. */
final class Footers {
  private Footers() {}

  static int footerLength(byte[] file) {
    return ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).getInt(file.length - 8);
  }

  static int footerStart(byte[] file) {
    return file.length - 8 - footerLength(file);
  }

  static byte[] footerBytes(byte[] file) {
    return Arrays.copyOfRange(file, footerStart(file), file.length - 8);
  }

  static FileMetaData footer(byte[] file) throws IOException {
    return Util.readFileMetaData(new ByteArrayInputStream(footerBytes(file)));
  }

  /** The file's data pages with {@code footer} as its footer (length and magic rewritten). */
  static byte[] withFooter(byte[] file, byte[] footer) {
    int start = footerStart(file);
    byte[] out = Arrays.copyOf(file, start + footer.length + 8);
    System.arraycopy(footer, 0, out, start, footer.length);
    ByteBuffer.wrap(out)
        .order(ByteOrder.LITTLE_ENDIAN)
        .putInt(start + footer.length, footer.length);
    out[out.length - 4] = 'P';
    out[out.length - 3] = 'A';
    out[out.length - 2] = 'R';
    out[out.length - 1] = '1';
    return out;
  }

  static byte[] serialize(FileMetaData md) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    Util.writeFileMetaData(md, b);
    return b.toByteArray();
  }

  /** The file with its footer decoded, edited and written back. */
  static byte[] editFooter(byte[] file, Consumer<FileMetaData> edit) throws IOException {
    FileMetaData md = footer(file);
    edit.accept(md);
    return withFooter(file, serialize(md));
  }

  /** Length of the page header at {@code offset}. */
  static int pageHeaderLength(byte[] file, int offset) throws IOException {
    ByteArrayInputStream in = new ByteArrayInputStream(file, offset, file.length - offset);
    Util.readPageHeader(in);
    return file.length - offset - in.available();
  }

  static PageHeader pageHeader(byte[] file, int offset) throws IOException {
    return Util.readPageHeader(new ByteArrayInputStream(file, offset, file.length - offset));
  }

  /**
   * The file with the page header at {@code offset} edited in place; the edit must keep its length.
   */
  static byte[] editPageHeader(byte[] file, int offset, Consumer<PageHeader> edit)
      throws IOException {
    int len = pageHeaderLength(file, offset);
    PageHeader h = pageHeader(file, offset);
    edit.accept(h);
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    Util.writePageHeader(h, b);
    if (b.size() != len)
      throw new IllegalArgumentException(
          "edited page header is " + b.size() + " bytes, was " + len);
    byte[] out = file.clone();
    System.arraycopy(b.toByteArray(), 0, out, offset, len);
    return out;
  }
}
