package io.homi.runtime.control;

import io.homi.runtime.parquet.ThriftCodec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.parquet.format.ColumnChunk;
import org.apache.parquet.format.ColumnMetaData;
import org.apache.parquet.format.FileMetaData;
import org.apache.parquet.format.RowGroup;

/**
 * Where a Parquet file's row groups and column chunks sit, for {@code homi inspect}: just the
 * byte ranges, read from the footer (4-byte little-endian length + "PAR1" at the end) with
 * parquet-format's Thrift structures. Every length and offset is checked against the file so a
 * corrupt footer gives an error naming the file and the field, not an exception from deep inside.
 */
public record ParquetLayout(long footerOffset, int footerLength, List<RowGroupRange> rowGroups) {
  private static final byte[] MAGIC = "PAR1".getBytes(StandardCharsets.US_ASCII);
  /** Footers above this are refused rather than allocated: no real file comes near it. */
  static final int MAX_FOOTER = 256 << 20;

  public record ColumnRange(String path, String codec, long offset, long length) {
    public long end() {
      return offset + length;
    }
  }

  public record RowGroupRange(int index, long rows, List<ColumnRange> columns) {}

  /** True when the file starts and ends with PAR1 (cheap: 8 bytes read). */
  public static boolean looksLikeParquet(Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(file)) {
      long size = ch.size();
      if (size < 12) return false;
      return hasMagic(read(ch, 0, 4)) && hasMagic(read(ch, size - 4, 4));
    }
  }

  public static ParquetLayout read(Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(file)) {
      long size = ch.size();
      if (size < 12) throw new IOException(file + ": " + size + " bytes is too small for a Parquet file (needs at least 12)");
      if (!hasMagic(read(ch, 0, 4))) throw new IOException(file + ": no PAR1 magic at offset 0");
      ByteBuffer tail = read(ch, size - 8, 8).order(ByteOrder.LITTLE_ENDIAN);
      if (!hasMagic(tail.slice(4, 4))) throw new IOException(file + ": no PAR1 magic at offset " + (size - 4));
      long len = tail.getInt(0) & 0xffffffffL;
      long footerOffset = size - 8 - len;
      if (len == 0 || footerOffset < 4 || len > MAX_FOOTER) {
        throw new IOException(file + ": footer length " + len + " at offset " + (size - 8)
            + " does not fit a " + size + "-byte file");
      }
      ByteBuffer footer = read(ch, footerOffset, (int) len);
      FileMetaData md;
      try {
        md = ThriftCodec.fileMetaData(footer);
      } catch (IOException | RuntimeException e) {
        throw new IOException(file + ": corrupt footer at offset " + footerOffset + " (" + len + " bytes): " + e.getMessage(), e);
      }
      List<RowGroupRange> groups = new ArrayList<>();
      List<RowGroup> rgs = md.getRow_groups() == null ? List.of() : md.getRow_groups();
      for (int i = 0; i < rgs.size(); i++) groups.add(rowGroup(file, i, rgs.get(i), footerOffset));
      return new ParquetLayout(footerOffset, (int) len, groups);
    }
  }

  private static RowGroupRange rowGroup(Path file, int index, RowGroup rg, long dataEnd) throws IOException {
    List<ColumnRange> cols = new ArrayList<>();
    List<ColumnChunk> chunks = rg.getColumns() == null ? List.of() : rg.getColumns();
    for (int c = 0; c < chunks.size(); c++) {
      ColumnMetaData cm = chunks.get(c).getMeta_data();
      String where = file + ": row group " + index + " column " + c;
      if (cm == null) throw new IOException(where + ": no column metadata (encrypted or external chunk)");
      long start = cm.getData_page_offset();
      // The dictionary page, when there is one, comes first and belongs to the chunk.
      if (cm.isSetDictionary_page_offset() && cm.getDictionary_page_offset() > 0 && cm.getDictionary_page_offset() < start) {
        start = cm.getDictionary_page_offset();
      }
      long len = cm.getTotal_compressed_size();
      if (start < 4 || len <= 0 || start + len > dataEnd) {
        throw new IOException(where + ": chunk at offset " + start + " with total_compressed_size " + len
            + " lies outside the data area [4, " + dataEnd + ")");
      }
      String path = cm.getPath_in_schema() == null ? "?" : String.join(".", cm.getPath_in_schema());
      cols.add(new ColumnRange(path, String.valueOf(cm.getCodec()), start, len));
    }
    return new RowGroupRange(index, rg.getNum_rows(), cols);
  }

  private static ByteBuffer read(FileChannel ch, long offset, int len) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(len);
    while (b.hasRemaining()) {
      if (ch.read(b, offset + b.position()) < 0) throw new IOException("unexpected end of file at " + (offset + b.position()));
    }
    return b.flip();
  }

  private static boolean hasMagic(ByteBuffer b) {
    for (int i = 0; i < 4; i++) if (b.get(b.position() + i) != MAGIC[i]) return false;
    return true;
  }
}
