package io.homi.runtime.stats;

/**
 * One column chunk's pages as its page index describes them: page i holds rows [firstRows[i],
 * firstRows[i + 1]) (the last one up to the row group's row count), and {@code pageStats[i]} is
 * what its ColumnIndex entry proves about its values.
 */
public record ColumnPages(long[] firstRows, ValueStats[] pageStats, long rowCount) {
  public long pageEnd(int page) {
    return page + 1 < firstRows.length ? firstRows[page + 1] : rowCount;
  }
}
