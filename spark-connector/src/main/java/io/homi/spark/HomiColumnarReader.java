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
 * An executor's reader for one task: its file splits one after the other, each opened through this
 * JVM's HOMI runtime. With {@code homi.prefetchRowGroups} > 0 the next split is opened as soon as
 * the current one has issued its last fetch, and its first row group fetched while the current one
 * decodes (one file's row group per file is common), within the same bound: at most that many row
 * groups fetched ahead of the one being decoded, over both splits.
 */
final class HomiColumnarReader implements PartitionReader<ColumnarBatch> {
  private static final Logger LOG = LoggerFactory.getLogger(HomiColumnarReader.class);
  private final HomiInputPartition part;
  private final ReadPlan plan;
  private final FileErrors errors;
  private final int limit; // pushed LIMIT: stop once this many rows are returned; -1: none
  private long rowsReturned;
  private final HomiMetrics.Task metrics = new HomiMetrics.Task();
  private int nextSplit;
  private FileSplitReader reader; // the split being read, or null
  private FileSplitReader upcoming; // the next split, opened early to fetch ahead, or null
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
      if (reader == null) {
        if (upcoming != null) {
          reader = upcoming;
          upcoming = null;
        } else {
          if (nextSplit == part.splits().length) return false;
          HomiInputPartition.Split s = part.splits()[nextSplit++];
          reader = openOrSkip(s);
          if (reader == null) continue;
        }
        // What input_file_name() and input_file_block_start/length() read, as Spark's
        // FilePartitionReader sets it.
        HomiInputPartition.Split s = reader.split();
        InputFileBlockHolder.set(s.urlPath(), s.start(), s.length());
      }
      try {
        current = reader.next();
      } catch (IOException | RuntimeException e) {
        if (!errors.skips(e))
          throw e instanceof IOException io ? new HomiReadException(io) : (RuntimeException) e;
        LOG.warn(
            "homi: skipped the rest of {} (ignoreCorruptFiles / ignoreMissingFiles): {}",
            reader.split().path(),
            e.toString());
        current = null;
      }
      if (current != null) {
        rowsReturned += current.numRows();
        if (limit < 0 || rowsReturned < limit) openUpcomingEarly();
        return true;
      }
      closeSplit();
    }
  }

  /**
   * Opens a split, or null where Spark's ignoreMissingFiles / ignoreCorruptFiles would skip the
   * file.
   */
  private FileSplitReader openOrSkip(HomiInputPartition.Split s) {
    try {
      return new FileSplitReader(s, plan, metrics);
    } catch (RuntimeException e) {
      if (!errors.skips(e)) throw e;
      LOG.warn(
          "homi: skipped {} (ignoreCorruptFiles / ignoreMissingFiles): {}", s.path(), e.toString());
      return null;
    }
  }

  /**
   * Once the current split has nothing left to fetch, starts fetching the next split's first row
   * group(s).
   */
  private void openUpcomingEarly() {
    int ahead = plan.options().prefetchRowGroups();
    if (ahead == 0
        || upcoming != null
        || nextSplit == part.splits().length
        || !reader.allFetchesIssued()) return;
    int budget = ahead - reader.fetchesPending();
    if (budget <= 0) return;
    upcoming = openOrSkip(part.splits()[nextSplit++]);
    if (upcoming != null) upcoming.startPrefetch(budget);
  }

  @Override
  public ColumnarBatch get() {
    return current;
  }

  @Override
  public CustomTaskMetric[] currentMetricsValues() {
    PathStats.Snapshot open = reader == null ? null : reader.pathStats();
    if (upcoming != null)
      open = open == null ? upcoming.pathStats() : open.plus(upcoming.pathStats());
    return metrics.values(open);
  }

  private void closeSplit() {
    metrics.fileDone(reader.pathStats());
    reader.close();
    reader = null;
  }

  @Override
  public void close() {
    InputFileBlockHolder.unset();
    if (reader != null) closeSplit();
    if (upcoming != null) {
      reader = upcoming;
      upcoming = null;
      closeSplit();
    }
    if (nextSplit > 0)
      LOG.info("homi task read {} file split(s): {}", nextSplit, metrics.summary());
  }
}
