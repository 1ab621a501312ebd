package io.homi.runtime.stats;

import java.util.ArrayList;
import java.util.List;

/**
 * Rows of one row group as sorted, disjoint, non-adjacent half-open intervals [start, end): what
 * the page index says may match. Immutable; union and intersection keep the form.
 */
public final class RowRanges {
  private final long[] starts;
  private final long[] ends;

  private RowRanges(long[] starts, long[] ends) {
    this.starts = starts;
    this.ends = ends;
  }

  public static RowRanges empty() {
    return new RowRanges(new long[0], new long[0]);
  }

  /** Every row of a row group of {@code rows} rows. */
  public static RowRanges all(long rows) {
    return rows <= 0 ? empty() : new RowRanges(new long[] {0}, new long[] {rows});
  }

  /** The union of any intervals (unsorted, overlapping and empty ones allowed). */
  public static RowRanges of(List<long[]> intervals) {
    List<long[]> sorted = new ArrayList<>();
    for (long[] i : intervals) if (i[1] > i[0]) sorted.add(i);
    sorted.sort((a, b) -> Long.compare(a[0], b[0]));
    List<long[]> merged = new ArrayList<>();
    for (long[] i : sorted) {
      long[] last = merged.isEmpty() ? null : merged.get(merged.size() - 1);
      if (last != null && i[0] <= last[1]) last[1] = Math.max(last[1], i[1]);
      else merged.add(new long[] {i[0], i[1]});
    }
    long[] s = new long[merged.size()];
    long[] e = new long[merged.size()];
    for (int k = 0; k < s.length; k++) {
      s[k] = merged.get(k)[0];
      e[k] = merged.get(k)[1];
    }
    return new RowRanges(s, e);
  }

  public RowRanges union(RowRanges o) {
    List<long[]> all = intervals();
    all.addAll(o.intervals());
    return of(all);
  }

  public RowRanges intersect(RowRanges o) {
    List<long[]> out = new ArrayList<>();
    int i = 0;
    int j = 0;
    while (i < starts.length && j < o.starts.length) {
      long s = Math.max(starts[i], o.starts[j]);
      long e = Math.min(ends[i], o.ends[j]);
      if (s < e) out.add(new long[] {s, e});
      if (ends[i] < o.ends[j]) i++;
      else j++;
    }
    return of(out);
  }

  /** The intervals as {start, end} pairs (copies). */
  public List<long[]> intervals() {
    List<long[]> out = new ArrayList<>(starts.length);
    for (int k = 0; k < starts.length; k++) out.add(new long[] {starts[k], ends[k]});
    return out;
  }

  public long rowCount() {
    long n = 0;
    for (int k = 0; k < starts.length; k++) n += ends[k] - starts[k];
    return n;
  }

  /** How many of these rows lie in [from, to). */
  public long countBetween(long from, long to) {
    long n = 0;
    for (int k = 0; k < starts.length && starts[k] < to; k++) {
      long s = Math.max(starts[k], from);
      long e = Math.min(ends[k], to);
      if (s < e) n += e - s;
    }
    return n;
  }

  public boolean isEmpty() {
    return starts.length == 0;
  }

  @Override
  public String toString() {
    StringBuilder b = new StringBuilder("[");
    for (int k = 0; k < starts.length; k++)
      b.append(k == 0 ? "" : ", ").append(starts[k]).append("..").append(ends[k]);
    return b.append(']').toString();
  }
}
