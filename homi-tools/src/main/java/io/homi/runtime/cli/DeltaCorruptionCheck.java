package io.homi.runtime.cli;

import io.homi.runtime.gpu.decode.DeviceBatch;
import io.homi.runtime.gpu.decode.GpuDecodeException;
import io.homi.runtime.gpu.decode.GpuParquetReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.parquet.format.ColumnChunk;
import org.apache.parquet.format.CompressionCodec;
import org.apache.parquet.format.FileMetaData;
import org.apache.parquet.format.PageHeader;
import org.apache.parquet.format.PageType;
import org.apache.parquet.format.Util;

/**
 * Part of {@code homi gpucheck-decode}: corrupt DELTA_BINARY_PACKED pages must fail the GPU decode
 * through the kernels' status word with an error naming file, column and what is wrong. Takes the
 * first data page of the first column of parquet-testing's {@code delta_binary_packed.parquet}
 * (uncompressed, data page v2) and writes two broken copies: a bit width of 65 in the first
 * miniblock, and a block size of 5 (not a multiple of 128). And one DELTA_BYTE_ARRAY case ({@link
 * #deltaByteArray}).
 */
final class DeltaCorruptionCheck {
  private DeltaCorruptionCheck() {}

  /**
   * One line per case ("ok ..." or "FAIL ..."); empty when the source file is not in {@code
   * checkDir}.
   */
  static List<String> run(GpuParquetReader reader, Path checkDir, Path tmp) throws IOException {
    Path src = checkDir.resolve("delta_binary_packed.parquet");
    List<String> out = new ArrayList<>();
    if (!Files.exists(src)) return out;
    byte[] all = Files.readAllBytes(src);
    FileMetaData md = GpuParquetReader.footer(src);
    ColumnChunk cc = md.getRow_groups().get(0).getColumns().get(0);
    String column = String.join(".", cc.getMeta_data().getPath_in_schema());
    int off = (int) cc.getMeta_data().getData_page_offset();
    ByteArrayInputStream in = new ByteArrayInputStream(all, off, all.length - off);
    int before = in.available();
    PageHeader h = Util.readPageHeader(in);
    if (h.getType() != PageType.DATA_PAGE_V2
        || cc.getMeta_data().getCodec() != CompressionCodec.UNCOMPRESSED) {
      out.add("FAIL delta corruption check: expected an uncompressed v2 data page first in " + src);
      return out;
    }
    // v2: the level bytes come first, then the values
    int values =
        off
            + before
            - in.available()
            + h.getData_page_header_v2().getRepetition_levels_byte_length()
            + h.getData_page_header_v2().getDefinition_levels_byte_length();
    int[] at = {values};
    for (int i = 0; i < 5; i++)
      varint(all, at); // block size, miniblocks, count, first value, first min delta
    out.add(
        expect(
            reader,
            tmp.resolve("delta_width65.parquet"),
            all,
            at[0],
            (byte) 65,
            column,
            "DELTA_BINARY_PACKED bit width 65"));
    out.add(
        expect(
            reader,
            tmp.resolve("delta_block5.parquet"),
            all,
            values,
            (byte) 5,
            column,
            "DELTA_BINARY_PACKED header corrupt"));
    deltaByteArray(reader, checkDir, tmp, out);
    return out;
  }

  /**
   * DELTA_BYTE_ARRAY: parquet-testing's {@code delta_encoding_required_column.parquet}, column 10
   * ({@code c_customer_id}, an uncompressed v2 page), with the prefix stream's first value set from
   * 0 to 1: the first value's prefix is then longer than the (empty) value before it, which the
   * kernels must report through the status word.
   */
  private static void deltaByteArray(
      GpuParquetReader reader, Path checkDir, Path tmp, List<String> out) throws IOException {
    Path src = checkDir.resolve("delta_encoding_required_column.parquet");
    if (!Files.exists(src)) return;
    byte[] all = Files.readAllBytes(src);
    ColumnChunk cc = GpuParquetReader.footer(src).getRow_groups().get(0).getColumns().get(9);
    String column = String.join(".", cc.getMeta_data().getPath_in_schema());
    int off = (int) cc.getMeta_data().getData_page_offset();
    ByteArrayInputStream in = new ByteArrayInputStream(all, off, all.length - off);
    int before = in.available();
    PageHeader h = Util.readPageHeader(in);
    if (h.getType() != PageType.DATA_PAGE_V2
        || cc.getMeta_data().getCodec() != CompressionCodec.UNCOMPRESSED) {
      out.add(
          "FAIL DELTA_BYTE_ARRAY corruption check: expected an uncompressed v2 data page first in column "
              + column);
      return;
    }
    int[] at = {
      off
          + before
          - in.available()
          + h.getData_page_header_v2().getRepetition_levels_byte_length()
          + h.getData_page_header_v2().getDefinition_levels_byte_length()
    };
    for (int i = 0; i < 3; i++)
      varint(all, at); // block size, miniblocks, count; then the first prefix
    if (all[at[0]] != 0) {
      out.add(
          "FAIL DELTA_BYTE_ARRAY corruption check: the first prefix of column "
              + column
              + " is not 0");
      return;
    }
    out.add(
        expect(
            reader,
            tmp.resolve("dba_prefix1.parquet"),
            all,
            at[0],
            (byte) 2,
            column,
            "DELTA_BYTE_ARRAY prefix of value 0 longer than the previous value"));
  }

  private static String expect(
      GpuParquetReader reader, Path f, byte[] good, int pos, byte value, String column, String want)
      throws IOException {
    byte[] bad = good.clone();
    bad[pos] = value;
    Files.write(f, bad);
    try (DeviceBatch b =
        reader
            .read(
                f,
                List.of(column),
                false,
                false,
                io.homi.runtime.HomiConfig.defaults().coalesceGapBytes())
            .batch()) {
      return "FAIL "
          + f.getFileName()
          + ": decoded without an error (byte "
          + pos
          + " = "
          + value
          + ")";
    } catch (GpuDecodeException e) {
      String m = e.getMessage();
      boolean ok =
          m.contains(f.toString())
              && m.contains("column '" + column + "'")
              && m.contains(want)
              && m.contains("page");
      return (ok ? "ok   " : "FAIL ") + f.getFileName() + " -> " + m;
    } finally {
      Files.deleteIfExists(f);
    }
  }

  private static long varint(byte[] b, int[] at) {
    long v = 0;
    for (int shift = 0; shift < 70; shift += 7) {
      int x = b[at[0]++] & 0xff;
      v |= (long) (x & 0x7f) << shift;
      if ((x & 0x80) == 0) break;
    }
    return v;
  }
}
