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
import org.apache.parquet.format.Util;

/**
 * The one footer parser: magic at both ends, a footer length that fits in the file, then the
 * Thrift FileMetaData (decoded only in {@link #parse}), with the same checks and messages
 * whether the bytes come through the mediator (the reader) or plain file reads ({@code inspect},
 * the GPU check tools). Every failure names the file.
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
  public static FileMetaData read(QueueClient client, BufferRegistry registry, Namespace ns) throws IOException {
    long size = ns.sizeBytes();
    checkSize(ns.path(), size);
    // One fetch for the start magic and the likely tail; a larger footer costs a second one.
    long tailStart = Math.max(0, size - SPECULATIVE_TAIL);
    try (RangeFetch tail = RangeFetch.read(client, registry, ns,
        List.of(new ByteRange(0, MAGIC_LEN), new ByteRange(tailStart, size - tailStart)), 0)) {
      return parse(ns.path(), size, (offset, length) -> {
        if (offset == 0 && length <= MAGIC_LEN || offset >= tailStart) return tail.slice(offset, length);
        try (RangeFetch more = RangeFetch.read(client, registry, ns, List.of(new ByteRange(offset, length)), 0)) {
          ByteBuffer copy = ByteBuffer.allocate(length);
          copy.put(more.slice(offset, length)).flip();
          return copy;
        }
      }).metadata();
    }
  }

  /** The footer of {@code file}, read with plain file reads (tools that do not start the runtime). */
  public static Footer read(Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(file)) {
      long size = ch.size();
      checkSize(file.toString(), size);
      return parse(file.toString(), size, (offset, length) -> {
        ByteBuffer b = ByteBuffer.allocate(length);
        while (b.hasRemaining()) {
          if (ch.read(b, offset + b.position()) < 0) {
            throw new CorruptParquetException(file.toString(), "file ends at " + (offset + b.position())
                + " while reading " + length + " bytes at " + offset);
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
    if (size < MAGIC_LEN + TAIL_LEN) {
      throw new CorruptParquetException(file, "not a Parquet file: only " + size + " bytes, too short for"
          + " the magic and footer");
    }
  }

  private static Footer parse(String file, long size, Bytes bytes) throws IOException {
    checkMagic(file, bytes.read(0, MAGIC_LEN), "start");
    ByteBuffer end = bytes.read(size - TAIL_LEN, TAIL_LEN);
    checkMagic(file, end.slice(end.position() + MAGIC_LEN, MAGIC_LEN), "end");
    long footerLen = end.order(ByteOrder.LITTLE_ENDIAN).getInt(end.position()) & 0xffffffffL;
    long footerStart = size - TAIL_LEN - footerLen;
    if (footerLen == 0 || footerStart < MAGIC_LEN || footerLen > MAX_FOOTER) {
      throw new CorruptParquetException(file, "footer length " + footerLen + " at offset " + (size - TAIL_LEN)
          + " does not fit in the file (" + size + " bytes)");
    }
    return new Footer(parse(file, bytes.read(footerStart, (int) footerLen)), footerStart, (int) footerLen);
  }

  private static void checkMagic(String file, ByteBuffer b, String where) throws HomiParquetException {
    byte[] m = new byte[MAGIC_LEN];
    b.duplicate().get(m);
    if (Arrays.equals(m, PARE)) {
      throw new UnsupportedParquetException("encrypted Parquet (PARE magic; encrypted Parquet is not supported)", file);
    }
    if (!Arrays.equals(m, PAR1)) {
      throw new CorruptParquetException(file, "not a Parquet file: no PAR1 magic at the " + where);
    }
  }

  /** The only place a footer's Thrift is decoded. */
  private static FileMetaData parse(String file, ByteBuffer footer) throws CorruptParquetException {
    try {
      FileMetaData md = Util.readFileMetaData(new ByteBufferInputStream(footer.duplicate()));
      if (md.getSchema() == null || md.getSchema().isEmpty()) throw new CorruptParquetException(file, "footer has no schema");
      if (md.getRow_groups() == null) throw new CorruptParquetException(file, "footer has no row group list");
      if (md.isSetEncryption_algorithm()) {
        throw new CorruptParquetException(file, "plaintext footer of an encrypted file (encrypted Parquet is not supported)");
      }
      return md;
    } catch (IOException | RuntimeException e) {
      if (e instanceof CorruptParquetException c) throw c;
      throw new CorruptParquetException(file, "footer cannot be decoded (" + e.getMessage() + ")", e);
    }
  }
}
