package io.homi.runtime.stats;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The rows of a row group that may match a predicate, from the page indexes of the columns it
 * filters on. Each leaf is decided page by page with {@link RowGroupPruner} (the same conservative
 * semantics as row-group statistics, applied to one page's min/max and nulls); AND intersects, OR
 * unites, NOT is pushed to the leaves first. A column without a page index (or any predicate not
 * understood) keeps every row.
 */
public final class PageIndexPruner {
  private PageIndexPruner() {}

  /**
   * @param pages the page index of the column with this name, or null when it has none
   */
  public static RowRanges candidates(
      StatsPredicate p, long rows, Function<String, ColumnPages> pages) {
    if (p instanceof StatsPredicate.Constant k)
      return k.value() ? RowRanges.all(rows) : RowRanges.empty();
    if (p instanceof StatsPredicate.And a) {
      return candidates(a.left(), rows, pages).intersect(candidates(a.right(), rows, pages));
    }
    if (p instanceof StatsPredicate.Or o)
      return candidates(o.left(), rows, pages).union(candidates(o.right(), rows, pages));
    if (p instanceof StatsPredicate.Not n)
      return candidates(StatsPredicate.negate(n.child()), rows, pages);
    String column = column(p);
    ColumnPages cp = column == null ? null : pages.apply(column);
    if (cp == null) return RowRanges.all(rows);
    List<long[]> keep = new ArrayList<>();
    for (int i = 0; i < cp.firstRows().length; i++) {
      ValueStats r = cp.pageStats()[i];
      // The leaf names one column, so the page's range answers for any name asked.
      if (RowGroupPruner.mightMatch(p, name -> r))
        keep.add(new long[] {cp.firstRows()[i], cp.pageEnd(i)});
    }
    return RowRanges.of(keep);
  }

  /** The column a leaf predicate tests, or null for anything else. */
  static String column(StatsPredicate p) {
    if (p instanceof StatsPredicate.Compare c) return c.column();
    if (p instanceof StatsPredicate.In in) return in.column();
    if (p instanceof StatsPredicate.IsNull n) return n.column();
    if (p instanceof StatsPredicate.IsNotNull n) return n.column();
    if (p instanceof StatsPredicate.StartsWith s) return s.column();
    return null;
  }

  /** Names of the columns whose page index can narrow {@code p}. */
  public static void columns(StatsPredicate p, java.util.Set<String> out) {
    StatsPredicate.forEachLeaf(
        p,
        false,
        leaf -> {
          String c = column(leaf);
          if (c != null) out.add(c);
        });
  }
}
