package io.homi.runtime.parquet;

import io.homi.runtime.io.ByteRange;
import io.homi.runtime.io.HomiIoException;
import io.homi.runtime.io.QueueClient;
import io.homi.runtime.io.RangeFetch;
import io.homi.runtime.mediator.BufferRegistry;
import io.homi.runtime.mediator.Namespace;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.parquet.format.FileMetaData;

/**
 * Reads and checks a file's footer through the runtime: magic at both ends, a footer length
 * that fits in the file, then the Thrift FileMetaData. Every failure names the file.
 */
public final class ParquetFooter {
  private static final int MAGIC_LEN = 4;
  private static final int TAIL_LEN = 8; // footer length (4, LE) + magic
  private static final int SPECULATIVE_TAIL = 64 * 1024;
  private static final byte[] PAR1 = "PAR1".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] PARE = "PARE".getBytes(StandardCharsets.US_ASCII);

  private ParquetFooter() {}

  public static FileMetaData read(QueueClient client, BufferRegistry registry, Namespace ns) throws IOException {
    String file = ns.path();
    long size = ns.sizeBytes();
    if (size == 0) throw new CorruptParquetException(file, "not a Parquet file: the file is empty (0 bytes)");
    if (size < MAGIC_LEN + TAIL_LEN) {
      throw new CorruptParquetException(file, "not a Parquet file: only " + size + " bytes, too short for"
          + " the magic and footer");
    }
    long tailStart = Math.max(0, size - SPECULATIVE_TAIL);
    try (RangeFetch tail = RangeFetch.read(client, registry, ns,
        List.of(new ByteRange(0, MAGIC_LEN), new ByteRange(tailStart, size - tailStart)), 0)) {
      checkMagic(file, tail.slice(0, MAGIC_LEN), "start");
      ByteBuffer end = tail.slice(size - TAIL_LEN, TAIL_LEN);
      checkMagic(file, end.slice(MAGIC_LEN, MAGIC_LEN), "end");
      long footerLen = end.order(ByteOrder.LITTLE_ENDIAN).getInt(0) & 0xffffffffL;
      long footerStart = size - TAIL_LEN - footerLen;
      if (footerLen == 0 || footerStart < MAGIC_LEN) {
        throw new CorruptParquetException(file, "footer length " + footerLen + " does not fit in the file ("
            + size + " bytes)");
      }
      if (footerStart >= tailStart) {
        return parse(file, tail.slice(footerStart, (int) footerLen), size - TAIL_LEN);
      }
      try (RangeFetch footer = RangeFetch.read(client, registry, ns, List.of(new ByteRange(footerStart, footerLen)), 0)) {
        return parse(file, footer.slice(footerStart, (int) footerLen), size - TAIL_LEN);
      }
    } catch (HomiIoException e) {
      throw e;
    }
  }

  private static void checkMagic(String file, ByteBuffer b, String where) throws HomiParquetException {
    byte[] m = new byte[MAGIC_LEN];
    b.duplicate().get(m);
    if (java.util.Arrays.equals(m, PARE)) {
      throw new UnsupportedParquetException("encrypted Parquet (PARE magic; encrypted Parquet is not supported)", file);
    }
    if (!java.util.Arrays.equals(m, PAR1)) {
      throw new CorruptParquetException(file, "not a Parquet file: no PAR1 magic at the " + where);
    }
  }

  private static FileMetaData parse(String file, ByteBuffer footer, long dataEnd) throws CorruptParquetException {
    FileMetaData md;
    try {
      md = ThriftCodec.fileMetaData(footer);
    } catch (IOException e) {
      throw new CorruptParquetException(file, e.getMessage() + " in its " + footer.remaining() + "-byte footer", e);
    }
    if (md.getSchema() == null || md.getSchema().isEmpty()) throw new CorruptParquetException(file, "footer has no schema");
    if (md.getRow_groups() == null) throw new CorruptParquetException(file, "footer has no row group list");
    if (md.isSetEncryption_algorithm()) {
      throw new CorruptParquetException(file, "plaintext footer of an encrypted file (encrypted Parquet is not supported)");
    }
    checkChunks(file, md, dataEnd);
    return md;
  }

  /**
   * Fields the format requires of every row group and column chunk and that Thrift leaves
   * unchecked (it reads them as optional): a missing one is named here, not met later as a null.
   */
  private static void checkChunks(String file, FileMetaData md, long dataEnd) throws CorruptParquetException {
    List<String> leaves = leafNames(md);
    for (int g = 0; g < md.getRow_groupsSize(); g++) {
      org.apache.parquet.format.RowGroup rg = md.getRow_groups().get(g);
      if (rg.getColumns() == null) throw new CorruptParquetException(file, "row group " + g + " has no column chunk list");
      if (rg.getColumnsSize() != leaves.size()) {
        throw new CorruptParquetException(file, "row group " + g + " has " + rg.getColumnsSize() + " column chunks for "
            + leaves.size() + " schema columns");
      }
      for (int c = 0; c < rg.getColumnsSize(); c++) {
        org.apache.parquet.format.ColumnChunk cc = rg.getColumns().get(c);
        if (cc.isSetMeta_data()) continue;
        if (cc.isSetCrypto_metadata() || cc.isSetEncrypted_column_metadata()) continue;
        String name = "'" + leaves.get(c) + "'";
        throw new CorruptParquetException(file, "row group " + g + " column " + name + " has no meta_data");
      }
      checkMidpoint(file, g, rg, leaves);
    }
  }

  /**
   * Split planning gives a row group to the split holding its midpoint (start + compressed
   * sizes / 2): a chunk size or offset that is negative or past 2 GiB (which no reader accepts
   * for one chunk) would move it out of every split, its rows silently missing. Only those are
   * refused here; chunk ends are checked when read (arrow-rs wrote sizes reaching past the file,
   * bad_data/ARROW-RS-GH-6229-DICTHEADER, which Spark reads). Empty row groups are not checked.
   */
  private static void checkMidpoint(String file, int g, org.apache.parquet.format.RowGroup rg, List<String> leaves)
      throws CorruptParquetException {
    if (rg.getNum_rows() == 0) return;
    for (int c = 0; c < rg.getColumnsSize(); c++) {
      org.apache.parquet.format.ColumnMetaData m = rg.getColumns().get(c).getMeta_data();
      if (m == null) continue;
      long len = m.getTotal_compressed_size();
      if (len < 0 || len > Integer.MAX_VALUE || m.getData_page_offset() < 0) {
        throw new CorruptParquetException(file, "row group " + g + " column '" + leaves.get(c) + "': chunk at "
            + m.getData_page_offset() + " of " + len + " bytes can not be placed in the file");
      }
    }
  }

  /** Dotted paths of the schema's leaves, in chunk order, as far as the schema list allows. */
  private static List<String> leafNames(FileMetaData md) {
    List<String> out = new java.util.ArrayList<>();
    java.util.ArrayDeque<int[]> open = new java.util.ArrayDeque<>(); // children left per open group
    java.util.ArrayDeque<String> path = new java.util.ArrayDeque<>();
    List<org.apache.parquet.format.SchemaElement> s = md.getSchema();
    for (int i = 0; i < s.size(); i++) {
      while (!open.isEmpty() && open.peek()[0] == 0) {
        open.pop();
        if (!path.isEmpty()) path.removeLast();
      }
      if (!open.isEmpty()) open.peek()[0]--;
      org.apache.parquet.format.SchemaElement e = s.get(i);
      int n = e.isSetNum_children() ? e.getNum_children() : 0;
      if (i == 0) {
        open.push(new int[] {n});
      } else if (n > 0) {
        path.addLast(e.getName());
        open.push(new int[] {n});
      } else {
        out.add(path.isEmpty() ? e.getName() : String.join(".", path) + "." + e.getName());
      }
    }
    return out;
  }
}
