package io.homi.runtime.parquet;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;

/**
 * A file's chosen row groups handed out in order, with the projected column chunks of the next
 * {@code ahead} row groups fetched on the runtime's prefetch threads while the caller decodes the
 * current one: I/O and decode overlap inside one task. Memory is bounded by {@code ahead}: at most
 * that many row groups are fetched or in flight beyond the one handed out (0 = fetch on the
 * caller's thread when asked, as before). Fetches run one after another (each starts when the
 * previous one has finished), since a file's queue pair serves one thread at a time. A failed
 * fetch is thrown, with its own message (file, row group, offset), by the {@link #next} that
 * asks for that row group; row groups before it are handed out normally.
 */
public final class RowGroupPipeline implements AutoCloseable {
  private final ParquetFileReader file;
  private final List<ColumnDescriptor> columns;
  private final int[] rowGroups;
  private final int ahead;
  private final ExecutorService pool;
  /** Fetches issued and not yet handed out, oldest first: row groups rowGroups[next ..]. */
  private final ArrayDeque<CompletableFuture<RowGroupReader>> pending = new ArrayDeque<>();
  private int next; // index in rowGroups of the next row group to hand out
  private int issued; // index in rowGroups of the next row group to fetch
  private int mostPending; // the largest number of fetches ever outstanding at once (for tests)

  public RowGroupPipeline(ParquetFileReader file, List<ColumnDescriptor> columns, int[] rowGroups, int ahead) {
    if (ahead < 0) throw new IllegalArgumentException("ahead must be >= 0: " + ahead);
    this.file = file;
    this.columns = List.copyOf(columns);
    this.rowGroups = rowGroups.clone();
    this.ahead = ahead;
    this.pool = ahead > 0 ? file.runtime().prefetchPool() : null;
  }

  /**
   * Starts fetching the first row groups now, at most {@code budget} of them (e.g. while another
   * file's last row group is still being decoded and holds part of the task's bound).
   */
  public void start(int budget) {
    fill(Math.min(ahead, budget));
  }

  /** How many row groups this pipeline fetches ahead at most. */
  public int ahead() {
    return ahead;
  }

  public boolean hasNext() {
    return next < rowGroups.length;
  }

  /** True once every row group's fetch has been issued: nothing more will be fetched. */
  public boolean allIssued() {
    return issued == rowGroups.length;
  }

  /** Row groups fetched or in flight and not yet handed out. */
  public int pending() {
    return pending.size();
  }

  /** The most fetches this pipeline ever had outstanding beyond the row group handed out. */
  public int mostPending() {
    return mostPending;
  }

  /** The next row group with its bytes in memory; waits for its fetch if still in flight. */
  public RowGroupReader next() throws IOException {
    if (!hasNext()) throw new IllegalStateException("no row group left in " + file.path());
    if (ahead == 0) {
      issued++;
      return file.openRowGroup(rowGroups[next++], columns);
    }
    fill(1); // the first call without start(): fetch this one now
    CompletableFuture<RowGroupReader> f = pending.removeFirst();
    next++;
    RowGroupReader r = await(f);
    fill(ahead); // the following row groups are fetched while the caller decodes r
    return r;
  }

  /** Issues fetches until {@code want} are outstanding or every row group is issued. */
  private void fill(int want) {
    while (pending.size() < want && issued < rowGroups.length) {
      int rg = rowGroups[issued++];
      CompletableFuture<RowGroupReader> prev = pending.peekLast();
      CompletableFuture<RowGroupReader> f = prev == null
          ? CompletableFuture.supplyAsync(() -> fetch(rg), pool)
          : prev.handleAsync((r, e) -> {
            if (e != null) throw new CompletionException(new HomiParquetException("row group " + rg + " of "
                + file.path() + " not fetched: an earlier row group failed"));
            return fetch(rg);
          }, pool);
      pending.addLast(f);
      mostPending = Math.max(mostPending, pending.size());
    }
  }

  private RowGroupReader fetch(int rg) {
    try {
      file.client().waitPatiently(); // every fetch of this file runs here, off the decoding thread
      return file.openRowGroup(rg, columns);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The fetched row group, or the fetch's own exception (not a wrapper) thrown here. */
  private static RowGroupReader await(CompletableFuture<RowGroupReader> f) throws IOException {
    try {
      return f.join();
    } catch (CompletionException e) {
      Throwable c = e.getCause();
      if (c instanceof CompletionException ce && ce.getCause() != null) c = ce.getCause();
      if (c instanceof UncheckedIOException u) throw u.getCause();
      if (c instanceof IOException io) throw io;
      if (c instanceof RuntimeException re) throw re;
      if (c instanceof Error err) throw err;
      throw e;
    }
  }

  /** Waits for fetches still in flight (their queue pair belongs to the file) and frees their bytes. */
  @Override
  public void close() {
    while (!pending.isEmpty()) {
      CompletableFuture<RowGroupReader> f = pending.removeFirst();
      try {
        f.join().close();
      } catch (RuntimeException ignored) {
        // a fetch nobody will read failed: nothing was kept, nothing to free
      }
    }
  }
}
