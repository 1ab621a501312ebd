package io.homi.runtime.parquet;

import io.homi.runtime.io.ByteRange;
import io.homi.runtime.io.QueueClient;
import io.homi.runtime.io.RangeFetch;
import io.homi.runtime.mediator.BufferRegistry;
import io.homi.runtime.mediator.Namespace;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.apache.parquet.format.FileMetaData;

/**
 * The one footer parser: magic at both ends, a footer length that fits in the file, then the Thrift
 * FileMetaData (decoded only in {@link #parse}), with the same checks and messages whether the
 * bytes come through the mediator (the reader) or plain file reads ({@code inspect}, the GPU check
 * tools). Every failure names the file.
 */
public final class ParquetFooter {
  private static final int MAGIC_LEN = 4;
  private static final int TAIL_LEN = 8; // footer length (4, LE) + magic
  private static final int SPECULATIVE_TAIL = 64 * 1024;

  /** Footers above this are refused rather than allocated: no real file comes near it. */
  static final long MAX_FOOTER = 256L << 20;

  private static final byte[] PAR1 = "PAR1".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] PARE = "PARE".getBytes(StandardCharsets.US_ASCII);

  /** A file's footer and where it lies: chunks end at or before {@link #offset}. */
  public record Footer(FileMetaData metadata, long offset, int length) {}

  /** Reads {@code length} bytes at {@code offset} (never past the end: callers check). */
  private interface Bytes {
    ByteBuffer read(long offset, int length) throws IOException;
  }

  private ParquetFooter() {}

  /** The footer of {@code ns}'s file, read through the mediator. */
  public static FileMetaData read(QueueClient client, BufferRegistry registry, Namespace ns)
      throws IOException {
    long size = ns.sizeBytes();
    checkSize(ns.path(), size);
    // One fetch for the start magic and the likely tail; a larger footer costs a second one.
    long tailStart = Math.max(0, size - SPECULATIVE_TAIL);
    try (RangeFetch tail =
        RangeFetch.read(
            client,
            registry,
            ns,
            List.of(new ByteRange(0, MAGIC_LEN), new ByteRange(tailStart, size - tailStart)),
            0)) {
      return parse(
              ns.path(),
              size,
              (offset, length) -> {
                if (offset == 0 && length <= MAGIC_LEN || offset >= tailStart)
                  return tail.view(offset, length);
                try (RangeFetch more =
                    RangeFetch.read(
                        client, registry, ns, List.of(new ByteRange(offset, length)), 0)) {
                  ByteBuffer copy = ByteBuffer.allocate(length);
                  copy.put(more.view(offset, length)).flip();
                  return copy;
                }
              })
          .metadata();
    }
  }

  /**
   * The footer of {@code file}, read with plain file reads (tools that do not start the runtime).
   */
  public static Footer read(Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(file)) {
      long size = ch.size();
      checkSize(file.toString(), size);
      return parse(
          file.toString(),
          size,
          (offset, length) -> {
            ByteBuffer b = ByteBuffer.allocate(length);
            while (b.hasRemaining()) {
              if (ch.read(b, offset + b.position()) < 0) {
                throw new CorruptParquetException(
                    file.toString(),
                    "file ends at "
                        + (offset + b.position())
                        + " while reading "
                        + length
                        + " bytes at "
                        + offset);
              }
            }
            return b.flip();
          });
    }
  }

  /** True when the file starts and ends with PAR1 (cheap: 8 bytes read). */
  public static boolean looksLikeParquet(Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(file)) {
      long size = ch.size();
      if (size < MAGIC_LEN + TAIL_LEN) return false;
      ByteBuffer start = ByteBuffer.allocate(MAGIC_LEN);
      ByteBuffer end = ByteBuffer.allocate(MAGIC_LEN);
      ch.read(start, 0);
      ch.read(end, size - MAGIC_LEN);
      return Arrays.equals(start.array(), PAR1) && Arrays.equals(end.array(), PAR1);
    }
  }

  private static void checkSize(String file, long size) throws CorruptParquetException {
    if (size == 0)
      throw new CorruptParquetException(file, "not a Parquet file: the file is empty (0 bytes)");
    if (size < MAGIC_LEN + TAIL_LEN) {
      throw new CorruptParquetException(
          file,
          "not a Parquet file: only " + size + " bytes, too short for" + " the magic and footer");
    }
  }

  private static Footer parse(String file, long size, Bytes bytes) throws IOException {
    checkMagic(file, bytes.read(0, MAGIC_LEN), "start");
    ByteBuffer end = bytes.read(size - TAIL_LEN, TAIL_LEN);
    checkMagic(file, end.slice(end.position() + MAGIC_LEN, MAGIC_LEN), "end");
    long footerLen = end.order(ByteOrder.LITTLE_ENDIAN).getInt(end.position()) & 0xffffffffL;
    long footerStart = size - TAIL_LEN - footerLen;
    if (footerLen == 0 || footerStart < MAGIC_LEN || footerLen > MAX_FOOTER) {
      throw new CorruptParquetException(
          file,
          "footer length "
              + footerLen
              + " at offset "
              + (size - TAIL_LEN)
              + " does not fit in the file ("
              + size
              + " bytes)");
    }
    return new Footer(
        parse(file, bytes.read(footerStart, (int) footerLen)), footerStart, (int) footerLen);
  }

  private static void checkMagic(String file, ByteBuffer b, String where)
      throws HomiParquetException {
    byte[] m = new byte[MAGIC_LEN];
    b.duplicate().get(m);
    if (Arrays.equals(m, PARE)) {
      throw new UnsupportedParquetException(
          "encrypted Parquet (PARE magic; encrypted Parquet is not supported)", file);
    }
    if (!Arrays.equals(m, PAR1)) {
      throw new CorruptParquetException(file, "not a Parquet file: no PAR1 magic at the " + where);
    }
  }

  /** The only place a footer's Thrift is decoded (by the bounded {@link ThriftCodec}). */
  private static FileMetaData parse(String file, ByteBuffer footer) throws CorruptParquetException {
    FileMetaData md;
    try {
      md = ThriftCodec.fileMetaData(footer.duplicate());
    } catch (IOException e) {
      throw new CorruptParquetException(
          file, e.getMessage() + " in its " + footer.remaining() + "-byte footer", e);
    }
    if (md.getSchema() == null || md.getSchema().isEmpty())
      throw new CorruptParquetException(file, "footer has no schema");
    if (md.getRow_groups() == null)
      throw new CorruptParquetException(file, "footer has no row group list");
    if (md.isSetEncryption_algorithm()) {
      throw new CorruptParquetException(
          file, "plaintext footer of an encrypted file (encrypted Parquet is not supported)");
    }
    checkChunks(file, md);
    return md;
  }

  /**
   * Fields the format requires of every row group and column chunk and that Thrift leaves unchecked
   * (it reads them as optional): a missing one is named here, not met later as a null.
   */
  private static void checkChunks(String file, FileMetaData md) throws CorruptParquetException {
    List<String> leaves = leafNames(md);
    for (int g = 0; g < md.getRow_groupsSize(); g++) {
      org.apache.parquet.format.RowGroup rg = md.getRow_groups().get(g);
      if (rg.getColumns() == null)
        throw new CorruptParquetException(file, "row group " + g + " has no column chunk list");
      if (rg.getColumnsSize() != leaves.size()) {
        throw new CorruptParquetException(
            file,
            "row group "
                + g
                + " has "
                + rg.getColumnsSize()
                + " column chunks for "
                + leaves.size()
                + " schema columns");
      }
      for (int c = 0; c < rg.getColumnsSize(); c++) {
        org.apache.parquet.format.ColumnChunk cc = rg.getColumns().get(c);
        if (cc.isSetMeta_data()) continue;
        if (cc.isSetCrypto_metadata() || cc.isSetEncrypted_column_metadata()) continue;
        String name = "'" + leaves.get(c) + "'";
        throw new CorruptParquetException(
            file, "row group " + g + " column " + name + " has no meta_data");
      }
      checkMidpoint(file, g, rg, leaves);
    }
  }

  /**
   * Split planning gives a row group to the split holding its midpoint (start + compressed sizes /
   * 2): a chunk size or offset that is negative or past the largest Java array (which no reader
   * accepts for one chunk) would move it out of every split, its rows silently missing. Only those
   * are refused here (an offset past the file is caught by the midpoint's clamp, see
   * RowGroupStats.midpoint); chunk ends are checked when read (arrow-rs wrote sizes reaching past
   * the file, bad_data/ARROW-RS-GH-6229-DICTHEADER, which Spark reads). Empty row groups are not
   * checked.
   */
  private static final long MAX_ARRAY = Integer.MAX_VALUE - 8;

  private static void checkMidpoint(
      String file, int g, org.apache.parquet.format.RowGroup rg, List<String> leaves)
      throws CorruptParquetException {
    if (rg.getNum_rows() == 0) return;
    for (int c = 0; c < rg.getColumnsSize(); c++) {
      org.apache.parquet.format.ColumnMetaData m = rg.getColumns().get(c).getMeta_data();
      if (m == null) continue;
      long len = m.getTotal_compressed_size();
      // MAX_ARRAY: the largest byte[] a JVM allocates; a chunk larger than that no Java reader
      // (parquet-java's included) can hold, and its size would move the row group out of every
      // split (a size of 2^31 - 1, found by the fuzzer, which Spark refuses too).
      if (len < 0 || len > MAX_ARRAY || m.getData_page_offset() < 0) {
        throw new CorruptParquetException(
            file,
            "row group "
                + g
                + " column '"
                + leaves.get(c)
                + "': chunk at "
                + m.getData_page_offset()
                + " of "
                + len
                + " bytes can not be placed in the file");
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
