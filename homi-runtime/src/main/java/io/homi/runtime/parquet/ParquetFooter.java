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
import org.apache.parquet.format.Util;

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
        return parse(file, tail.slice(footerStart, (int) footerLen));
      }
      try (RangeFetch footer = RangeFetch.read(client, registry, ns, List.of(new ByteRange(footerStart, footerLen)), 0)) {
        return parse(file, footer.slice(footerStart, (int) footerLen));
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
