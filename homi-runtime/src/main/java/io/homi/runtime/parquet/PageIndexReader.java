package io.homi.runtime.parquet;

import io.homi.runtime.io.ByteRange;
import io.homi.runtime.io.RangeFetch;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.parquet.format.ColumnChunk;
import org.apache.parquet.format.ColumnIndex;
import org.apache.parquet.format.OffsetIndex;
import org.apache.parquet.format.PageLocation;
import org.apache.parquet.format.RowGroup;

/**
 * A row group's page indexes (ColumnIndex: per-page min/max and nulls; OffsetIndex: where each data
 * page lies and its first row), read in one coalesced fetch through the runtime and checked: an
 * offset index whose pages leave the chunk or whose rows do not ascend is corrupt. A chunk without
 * an index is simply absent from the result.
 */
public final class PageIndexReader {
  private PageIndexReader() {}

  /** The indexes of one row group, by leaf (column chunk) index. */
  public record PageIndexes(
      Map<Integer, ColumnIndex> columnIndexes, Map<Integer, OffsetIndex> offsetIndexes) {}

  static PageIndexes read(
      ParquetFileReader f, int rg, Set<Integer> columnIndexLeaves, Set<Integer> offsetIndexLeaves)
      throws IOException {
    String file = f.path();
    RowGroup group = f.metadata().getRow_groups().get(rg);
    long size = f.identity().size();
    List<ByteRange> ranges = new ArrayList<>();
    Map<Integer, ByteRange> ci = new HashMap<>();
    Map<Integer, ByteRange> oi = new HashMap<>();
    for (int leaf : columnIndexLeaves) {
      ColumnChunk cc = group.getColumns().get(leaf);
      if (cc.isSetColumn_index_offset()
          && cc.isSetColumn_index_length()
          && cc.getColumn_index_length() > 0) {
        ByteRange r =
            checked(
                file,
                rg,
                leaf,
                "column index",
                cc.getColumn_index_offset(),
                cc.getColumn_index_length(),
                size);
        ci.put(leaf, r);
        ranges.add(r);
      }
    }
    for (int leaf : offsetIndexLeaves) {
      ColumnChunk cc = group.getColumns().get(leaf);
      if (cc.isSetOffset_index_offset()
          && cc.isSetOffset_index_length()
          && cc.getOffset_index_length() > 0) {
        ByteRange r =
            checked(
                file,
                rg,
                leaf,
                "offset index",
                cc.getOffset_index_offset(),
                cc.getOffset_index_length(),
                size);
        oi.put(leaf, r);
        ranges.add(r);
      }
    }
    Map<Integer, ColumnIndex> columnIndexes = new HashMap<>();
    Map<Integer, OffsetIndex> offsetIndexes = new HashMap<>();
    if (ranges.isEmpty()) return new PageIndexes(columnIndexes, offsetIndexes);
    try (RangeFetch fetch =
        RangeFetch.read(
            f.client(),
            f.runtime().buffers(),
            f.namespace(),
            ranges,
            f.config().coalesceGapBytes())) {
      String changed = f.namespace().checkUnchanged();
      if (changed != null)
        throw new HomiParquetException("file changed during the scan: " + file + ": " + changed);
      for (Map.Entry<Integer, ByteRange> e : ci.entrySet()) {
        ByteRange r = e.getValue();
        try {
          ColumnIndex idx = ThriftCodec.columnIndex(fetch.view(r.offset(), (int) r.length()));
          if (consistent(idx)) columnIndexes.put(e.getKey(), idx);
        } catch (IOException | RuntimeException x) {
          throw new CorruptParquetException(
              file,
              "row group "
                  + rg
                  + " column chunk "
                  + e.getKey()
                  + ": column index at "
                  + r.offset()
                  + " cannot be decoded ("
                  + x.getMessage()
                  + ")",
              x);
        }
      }
      for (Map.Entry<Integer, ByteRange> e : oi.entrySet()) {
        ByteRange r = e.getValue();
        OffsetIndex idx;
        try {
          idx = ThriftCodec.offsetIndex(fetch.view(r.offset(), (int) r.length()));
        } catch (IOException | RuntimeException x) {
          throw new CorruptParquetException(
              file,
              "row group "
                  + rg
                  + " column chunk "
                  + e.getKey()
                  + ": offset index at "
                  + r.offset()
                  + " cannot be decoded ("
                  + x.getMessage()
                  + ")",
              x);
        }
        checkOffsets(f, rg, e.getKey(), idx);
        offsetIndexes.put(e.getKey(), idx);
      }
    }
    return new PageIndexes(columnIndexes, offsetIndexes);
  }

  private static ByteRange checked(
      String file, int rg, int leaf, String what, long offset, int length, long size)
      throws CorruptParquetException {
    if (offset < 4 || offset + length > size - 8) {
      throw new CorruptParquetException(
          file,
          "row group "
              + rg
              + " column chunk "
              + leaf
              + ": "
              + what
              + " at "
              + offset
              + " of "
              + length
              + " bytes lies outside the file ("
              + size
              + " bytes)");
    }
    return new ByteRange(offset, length);
  }

  /** A column index whose lists disagree in length is not used (it can only prune nothing then). */
  private static boolean consistent(ColumnIndex idx) {
    int n = idx.getNull_pagesSize();
    return n > 0
        && idx.getMin_valuesSize() == n
        && idx.getMax_valuesSize() == n
        && (!idx.isSetNull_counts() || idx.getNull_countsSize() == n);
  }

  /** Pages inside their chunk, in file order, first rows ascending from 0 below the row count. */
  private static void checkOffsets(ParquetFileReader f, int rg, int leaf, OffsetIndex idx)
      throws CorruptParquetException {
    RowGroup group = f.metadata().getRow_groups().get(rg);
    ByteRange chunk =
        ChunkBounds.range(
            f.path(),
            rg,
            "#" + leaf,
            group.getColumns().get(leaf).getMeta_data(),
            f.identity().size());
    List<PageLocation> pages = idx.getPage_locations();
    String where = "row group " + rg + " column chunk " + leaf + ": offset index ";
    if (pages == null || pages.isEmpty())
      throw new CorruptParquetException(f.path(), where + "lists no pages");
    long prevEnd = chunk.offset();
    long prevRow = -1;
    for (int i = 0; i < pages.size(); i++) {
      PageLocation p = pages.get(i);
      if (p.getOffset() < prevEnd
          || p.getCompressed_page_size() <= 0
          || p.getOffset() + p.getCompressed_page_size() > chunk.end()) {
        throw new CorruptParquetException(
            f.path(),
            where
                + "page "
                + i
                + " at "
                + p.getOffset()
                + " of "
                + p.getCompressed_page_size()
                + " bytes is outside its chunk ["
                + chunk.offset()
                + ", "
                + chunk.end()
                + ") or overlaps the page before");
      }
      long row = p.getFirst_row_index();
      if ((i == 0 && row != 0) || row < prevRow || row >= Math.max(1, group.getNum_rows())) {
        throw new CorruptParquetException(
            f.path(),
            where
                + "page "
                + i
                + " starts at row "
                + row
                + " (previous "
                + prevRow
                + ", row group of "
                + group.getNum_rows()
                + " rows)");
      }
      prevEnd = p.getOffset() + p.getCompressed_page_size();
      prevRow = row;
    }
  }
}
