package io.homi.runtime.parquet;

import io.homi.runtime.io.ByteRange;
import io.homi.runtime.io.RangeFetch;
import io.homi.runtime.stats.RowRanges;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.parquet.format.OffsetIndex;
import org.apache.parquet.format.PageLocation;

/**
 * The data pages of a row group to read when the page index narrowed it to some row ranges. Each
 * column reads, whole, the pages that overlap the ranges; its pages end on rows of their own, so a
 * column yields the rows of its pages (a superset of the ranges), and {@link SelectedRowsReader}
 * drops the rows outside the ranges column by column so that all columns give the same rows.
 * (Widening the ranges until they start and end on a page boundary of every column would need no
 * dropping, but with a few columns of different widths the only common boundaries are often the row
 * group's ends, which would read everything.)
 */
public final class PageSelection {
  private final RowRanges rows;
  private final Map<Integer, List<PageLocation>> pages; // by leaf index, in file order
  private final Map<Integer, RowRanges> yielded; // rows each leaf's selected pages hold
  private final Map<Integer, Long> firstPage; // file offset of each leaf's first data page
  private final int pagesSkipped;

  private PageSelection(
      RowRanges rows,
      Map<Integer, List<PageLocation>> pages,
      Map<Integer, RowRanges> yielded,
      Map<Integer, Long> firstPage,
      int pagesSkipped) {
    this.rows = rows;
    this.pages = pages;
    this.yielded = yielded;
    this.firstPage = firstPage;
    this.pagesSkipped = pagesSkipped;
  }

  /**
   * @param rows the rows that may match (non-empty)
   * @param offsets the checked offset index of every projected leaf
   * @param rowGroupRows the row group's row count
   */
  public static PageSelection of(
      RowRanges rows, Map<Integer, OffsetIndex> offsets, long rowGroupRows) {
    Map<Integer, List<PageLocation>> chosen = new HashMap<>();
    Map<Integer, RowRanges> yielded = new HashMap<>();
    Map<Integer, Long> first = new HashMap<>();
    int skipped = 0;
    for (Map.Entry<Integer, OffsetIndex> e : offsets.entrySet()) {
      List<PageLocation> all = e.getValue().getPage_locations();
      List<PageLocation> keep = new ArrayList<>();
      List<long[]> spans = new ArrayList<>();
      for (int i = 0; i < all.size(); i++) {
        long s = all.get(i).getFirst_row_index();
        long end = i + 1 < all.size() ? all.get(i + 1).getFirst_row_index() : rowGroupRows;
        if (rows.countBetween(s, end) > 0) {
          keep.add(all.get(i));
          spans.add(new long[] {s, end});
        }
      }
      skipped += all.size() - keep.size();
      chosen.put(e.getKey(), keep);
      yielded.put(e.getKey(), RowRanges.of(spans));
      first.put(e.getKey(), all.get(0).getOffset());
    }
    return new PageSelection(rows, chosen, yielded, first, skipped);
  }

  /** Rows every column yields under this selection. */
  public long rowCount() {
    return rows.rowCount();
  }

  /** The rows read, in row-group row numbers. */
  public RowRanges rows() {
    return rows;
  }

  /** The rows a leaf's selected pages hold (a superset of {@link #rows}). */
  RowRanges yielded(int leaf) {
    return yielded.get(leaf);
  }

  /** Data pages of the projected columns that are not read. */
  public int pagesSkipped() {
    return pagesSkipped;
  }

  public boolean covers(int leaf) {
    return pages.containsKey(leaf);
  }

  /**
   * What to fetch of a chunk: whatever precedes its first data page (the dictionary page) and the
   * selected pages.
   */
  List<ByteRange> ranges(int leaf, ByteRange chunk) {
    List<ByteRange> out = new ArrayList<>();
    long first = Math.min(chunk.end(), firstPage.get(leaf));
    if (first > chunk.offset()) out.add(new ByteRange(chunk.offset(), first - chunk.offset()));
    for (PageLocation p : pages.get(leaf))
      out.add(new ByteRange(p.getOffset(), p.getCompressed_page_size()));
    return out;
  }

  /** The fetched ranges of a chunk laid end to end: a chunk of only the selected pages. */
  ByteBuffer gather(RangeFetch fetch, int leaf, ByteRange chunk) {
    List<ByteRange> parts = ranges(leaf, chunk);
    long total = 0;
    for (ByteRange r : parts) total += r.length();
    ByteBuffer out = ByteBuffer.allocateDirect((int) total);
    for (ByteRange r : parts) out.put(fetch.view(r.offset(), (int) r.length()));
    return out.flip();
  }
}
