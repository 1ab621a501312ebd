package io.homi.spark;

import io.homi.runtime.mediator.PathStats;
import java.io.IOException;
import org.apache.spark.rdd.InputFileBlockHolder;
import org.apache.spark.sql.connector.metric.CustomTaskMetric;
import org.apache.spark.sql.connector.read.PartitionReader;
import org.apache.spark.sql.vectorized.ColumnarBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An executor's reader for one task: its file slices one after the other, each opened through this
 * JVM's HOMI runtime. With {@code homi.prefetchRowGroups} > 0 the next slice is opened as soon as
 * the current one has issued its last fetch, and its first row group fetched while the current one
 * decodes (one file's row group per file is common), within the same bound: at most that many row
 * groups fetched ahead of the one being decoded, over both slices.
 */
final class HomiColumnarReader implements PartitionReader<ColumnarBatch> {
  private static final Logger LOG = LoggerFactory.getLogger(HomiColumnarReader.class);
  private final HomiInputPartition part;
  private final ReadPlan plan;
  private final FileErrors errors;
  private final int limit; // pushed LIMIT: stop once this many rows are returned; -1: none
  private long rowsReturned;
  private final HomiMetrics.Task metrics = new HomiMetrics.Task();
  private int nextSlice;
  private FileSliceReader slice;
  private FileSliceReader upcoming; // the next slice, opened early to fetch ahead, or null
  private ColumnarBatch current;

  HomiColumnarReader(HomiInputPartition part, ReadPlan plan, FileErrors errors, int limit) {
    this.limit = limit;
    this.part = part;
    this.plan = plan;
    this.errors = errors;
  }

  @Override
  public boolean next() throws IOException {
    if (limit >= 0 && rowsReturned >= limit)
      return false; // enough for the LIMIT: fetch nothing more
    while (true) {
      if (slice == null) {
        if (upcoming != null) {
          slice = upcoming;
          upcoming = null;
        } else {
          if (nextSlice == part.slices().length) return false;
          HomiInputPartition.Slice s = part.slices()[nextSlice++];
          slice = openOrSkip(s);
          if (slice == null) continue;
        }
        // What input_file_name() and input_file_block_start/length() read, as Spark's
        // FilePartitionReader sets it.
        HomiInputPartition.Slice s = slice.slice();
        InputFileBlockHolder.set(s.urlPath(), s.start(), s.length());
      }
      try {
        current = slice.next();
      } catch (IOException | RuntimeException e) {
        if (!errors.skips(e))
          throw e instanceof IOException io ? new HomiReadException(io) : (RuntimeException) e;
        LOG.warn(
            "homi: skipped the rest of {} (ignoreCorruptFiles / ignoreMissingFiles): {}",
            slice.slice().path(),
            e.toString());
        current = null;
      }
      if (current != null) {
        rowsReturned += current.numRows();
        if (limit < 0 || rowsReturned < limit) openUpcomingEarly();
        return true;
      }
      closeSlice();
    }
  }

  /**
   * Opens a slice, or null where Spark's ignoreMissingFiles / ignoreCorruptFiles would skip the
   * file.
   */
  private FileSliceReader openOrSkip(HomiInputPartition.Slice s) {
    try {
      return new FileSliceReader(s, plan, metrics);
    } catch (RuntimeException e) {
      if (!errors.skips(e)) throw e;
      LOG.warn(
          "homi: skipped {} (ignoreCorruptFiles / ignoreMissingFiles): {}", s.path(), e.toString());
      return null;
    }
  }

  /**
   * Once the current slice has nothing left to fetch, starts fetching the next slice's first row
   * group(s).
   */
  private void openUpcomingEarly() {
    int ahead = plan.options().prefetchRowGroups();
    if (ahead == 0
        || upcoming != null
        || nextSlice == part.slices().length
        || !slice.allFetchesIssued()) return;
    int budget = ahead - slice.fetchesPending();
    if (budget <= 0) return;
    upcoming = openOrSkip(part.slices()[nextSlice++]);
    if (upcoming != null) upcoming.startPrefetch(budget);
  }

  @Override
  public ColumnarBatch get() {
    return current;
  }

  @Override
  public CustomTaskMetric[] currentMetricsValues() {
    PathStats.Snapshot open = slice == null ? null : slice.pathStats();
    if (upcoming != null)
      open = open == null ? upcoming.pathStats() : open.plus(upcoming.pathStats());
    return metrics.values(open);
  }

  private void closeSlice() {
    metrics.fileDone(slice.pathStats());
    slice.close();
    slice = null;
  }

  @Override
  public void close() {
    InputFileBlockHolder.unset();
    if (slice != null) closeSlice();
    if (upcoming != null) {
      slice = upcoming;
      upcoming = null;
      closeSlice();
    }
    if (nextSlice > 0)
      LOG.info("homi task read {} file slice(s): {}", nextSlice, metrics.summary());
  }
}
