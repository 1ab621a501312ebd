package io.homi.runtime.parquet;

import io.homi.runtime.stats.ColumnPages;
import io.homi.runtime.stats.DictionaryPruner;
import io.homi.runtime.stats.PageIndexPruner;
import io.homi.runtime.stats.RowGroupStats;
import io.homi.runtime.stats.RowRanges;
import io.homi.runtime.stats.StatsPredicate;
import io.homi.runtime.stats.ValueStats;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.parquet.format.ColumnIndex;
import org.apache.parquet.format.ColumnMetaData;
import org.apache.parquet.format.OffsetIndex;
import org.apache.parquet.format.RowGroup;

/**
 * Pruning decided where a row group is about to be read, after min/max statistics kept it: its
 * dictionary pages (equality and IN on dictionary-only chunks can drop the whole row group) and its
 * page indexes (only the pages whose min/max may match are read). Both read through the file's own
 * queue pair, so their bytes count like any other; both only ever keep more rows than match, never
 * fewer.
 */
public final class RowGroupFilter {
  /** What to read of a row group: nothing, whole chunks ({@code pages} null) or some pages. */
  public record Decision(
      boolean prunedByDictionary,
      boolean prunedByPageIndex,
      PageSelection pages,
      int pagesSkipped) {
    public boolean skip() {
      return prunedByDictionary || prunedByPageIndex;
    }
  }

  private static final Decision WHOLE = new Decision(false, false, null, 0);
  private final ParquetFileReader file;
  private final StatsPredicate predicate;
  private final List<ColumnDescriptor> columns;
  private final RowGroupStats stats;
  private final Set<String> dictionaryColumns = new HashSet<>();
  private final Set<String> pageIndexColumns = new HashSet<>();
  private final boolean flat;

  /**
   * @param predicate the scan's pruning predicate, or null; @param columns the projected file
   *     columns
   */
  public RowGroupFilter(
      ParquetFileReader file, StatsPredicate predicate, List<ColumnDescriptor> columns) {
    this.file = file;
    this.predicate = predicate;
    this.columns = columns;
    this.stats = new RowGroupStats(file.metadata());
    if (predicate != null) {
      DictionaryPruner.columns(predicate, dictionaryColumns);
      PageIndexPruner.columns(predicate, pageIndexColumns);
    }
    boolean allFlat = true;
    for (ColumnDescriptor c : columns) allFlat &= !c.isNested();
    this.flat = allFlat; // pages of repeated leaves need not start on a row: whole chunks there
  }

  public Decision decide(int rg) throws IOException {
    if (predicate == null || file.rowCount(rg) == 0) return WHOLE;
    if (!dictionaryColumns.isEmpty() && !dictionaryMightMatch(rg)) {
      return new Decision(true, false, null, 0);
    }
    if (pageIndexColumns.isEmpty() || !flat || columns.isEmpty()) return WHOLE;
    return pageIndex(rg);
  }

  private boolean dictionaryMightMatch(int rg) throws IOException {
    RowGroup group = file.metadata().getRow_groups().get(rg);
    Map<String, List<Object>> read = new HashMap<>();
    IOException[] failure = new IOException[1];
    boolean might =
        DictionaryPruner.mightMatch(
            predicate,
            name -> {
              if (read.containsKey(name)) return read.get(name);
              List<Object> values = null;
              Integer leaf = stats.leaf(name);
              ColumnDescriptor col = file.schema().column(name);
              if (leaf != null
                  && col != null
                  && !col.isNested()
                  && col.index() == leaf
                  && failure[0] == null) {
                ColumnMetaData md = group.getColumns().get(leaf).getMeta_data();
                try {
                  List<byte[]> raw = md == null ? null : file.readDictionary(rg, col);
                  if (raw != null) {
                    values = new ArrayList<>(raw.size());
                    for (byte[] b : raw)
                      values.add(ValueStats.plainValue(b, md, stats.element(leaf)));
                  }
                } catch (IOException e) {
                  failure[0] = e;
                }
              }
              read.put(name, values);
              return values;
            });
    if (failure[0] != null) throw failure[0];
    return might;
  }

  private Decision pageIndex(int rg) throws IOException {
    RowGroup group = file.metadata().getRow_groups().get(rg);
    Map<String, Integer> filterLeaves = new HashMap<>();
    for (String name : pageIndexColumns) {
      Integer leaf = stats.leaf(name);
      if (leaf != null
          && leaf < group.getColumnsSize()
          && group.getColumns().get(leaf).isSetColumn_index_offset()) {
        filterLeaves.put(name, leaf);
      }
    }
    if (filterLeaves.isEmpty()) return WHOLE;
    // First the filter columns' indexes alone: when they keep every row, nothing more is read.
    Set<Integer> filterSet = new HashSet<>(filterLeaves.values());
    PageIndexReader.PageIndexes idx = file.readPageIndexes(rg, filterSet, filterSet);
    long rows = group.getNum_rows();
    Map<String, ColumnPages> pages = new HashMap<>();
    for (Map.Entry<String, Integer> e : filterLeaves.entrySet()) {
      ColumnPages p = pages(group, e.getValue(), idx, rows);
      if (p != null) pages.put(e.getKey(), p);
    }
    if (pages.isEmpty()) return WHOLE;
    RowRanges keep = PageIndexPruner.candidates(predicate, rows, pages::get);
    if (!keep.isEmpty() && keep.rowCount() == rows) return WHOLE;
    Set<Integer> missing = new HashSet<>();
    for (ColumnDescriptor c : columns)
      if (!idx.offsetIndexes().containsKey(c.index())) missing.add(c.index());
    Map<Integer, OffsetIndex> offsets = new HashMap<>(idx.offsetIndexes());
    if (!missing.isEmpty())
      offsets.putAll(file.readPageIndexes(rg, Set.of(), missing).offsetIndexes());
    Map<Integer, OffsetIndex> projected = new HashMap<>();
    int total = 0;
    for (ColumnDescriptor c : columns) {
      OffsetIndex oi = offsets.get(c.index());
      if (oi == null) return WHOLE; // a projected chunk without its pages listed: read it whole
      projected.put(c.index(), oi);
      total += oi.getPage_locationsSize();
    }
    if (keep.isEmpty()) return new Decision(false, true, null, total);
    if (keep.rowCount() == rows) return WHOLE;
    PageSelection sel = PageSelection.of(keep, projected, rows);
    // Nothing left to skip: read whole chunks (no gathering, no dropping).
    if (sel.pagesSkipped() == 0) return WHOLE;
    return new Decision(false, false, sel, sel.pagesSkipped());
  }

  /**
   * A filtered column's pages with what its ColumnIndex proves of each, or null without a usable
   * one.
   */
  private ColumnPages pages(RowGroup group, int leaf, PageIndexReader.PageIndexes idx, long rows) {
    ColumnIndex ci = idx.columnIndexes().get(leaf);
    OffsetIndex oi = idx.offsetIndexes().get(leaf);
    if (ci == null || oi == null || ci.getNull_pagesSize() != oi.getPage_locationsSize())
      return null;
    ColumnMetaData md = group.getColumns().get(leaf).getMeta_data();
    int n = oi.getPage_locationsSize();
    long[] first = new long[n];
    ValueStats[] pageStats = new ValueStats[n];
    for (int i = 0; i < n; i++) {
      first[i] = oi.getPage_locations().get(i).getFirst_row_index();
      pageStats[i] =
          ValueStats.ofPage(ci, i, md, stats.element(leaf), stats.typeDefinedOrder(leaf));
    }
    return new ColumnPages(first, pageStats, rows);
  }
}
