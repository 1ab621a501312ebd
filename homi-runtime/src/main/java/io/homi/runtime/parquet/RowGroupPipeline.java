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
 * previous one has finished), since a file's queue pair serves one thread at a time. A failed fetch
 * is thrown, with its own message (file, row group, offset), by the {@link #next} that asks for
 * that row group; row groups before it are handed out normally. What "opening" a row group means is
 * the caller's {@link Opener} (e.g. deciding on dictionary / page-index pruning, which reads
 * through the same queue pair, then fetching the selected pages): everything that reads through the
 * file's queue pair must go through the opener while the pipeline is in use.
 *
 * @param <T> what the opener returns for one row group (it owns the fetched bytes; may be null)
 */
public final class RowGroupPipeline<T extends AutoCloseable> implements AutoCloseable {
  /** Opens one row group: everything that reads through the file's queue pair for it. */
  @FunctionalInterface
  public interface Opener<T> {
    T open(int rowGroup) throws IOException;
  }

  private final ParquetFileReader file;
  private final Opener<T> opener;
  private final int[] rowGroups;
  private final int ahead;
  private final ExecutorService pool;

  /** Fetches issued and not yet handed out, oldest first: row groups rowGroups[next ..]. */
  private final ArrayDeque<CompletableFuture<T>> pending = new ArrayDeque<>();

  private int next; // index in rowGroups of the next row group to hand out
  private int issued; // index in rowGroups of the next row group to fetch
  private int mostPending; // the largest number of fetches ever outstanding at once (for tests)

  public RowGroupPipeline(ParquetFileReader file, int[] rowGroups, int ahead, Opener<T> opener) {
    if (ahead < 0) throw new IllegalArgumentException("ahead must be >= 0: " + ahead);
    this.file = file;
    this.opener = opener;
    this.rowGroups = rowGroups.clone();
    this.ahead = ahead;
    this.pool = ahead > 0 ? file.runtime().prefetchPool() : null;
  }

  /** Whole row groups of {@code columns}, fetched ahead. */
  public static RowGroupPipeline<RowGroupReader> of(
      ParquetFileReader file, List<ColumnDescriptor> columns, int[] rowGroups, int ahead) {
    List<ColumnDescriptor> cols = List.copyOf(columns);
    return new RowGroupPipeline<>(file, rowGroups, ahead, rg -> file.openRowGroup(rg, cols));
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
  public T next() throws IOException {
    if (!hasNext()) throw new IllegalStateException("no row group left in " + file.path());
    if (ahead == 0) {
      issued++;
      return opener.open(rowGroups[next++]);
    }
    fill(1); // the first call without start(): fetch this one now
    CompletableFuture<T> f = pending.removeFirst();
    next++;
    T r = await(f);
    fill(ahead); // the following row groups are fetched while the caller decodes r
    return r;
  }

  /** Issues fetches until {@code want} are outstanding or every row group is issued. */
  private void fill(int want) {
    while (pending.size() < want && issued < rowGroups.length) {
      int rg = rowGroups[issued++];
      CompletableFuture<T> prev = pending.peekLast();
      CompletableFuture<T> f =
          prev == null
              ? CompletableFuture.supplyAsync(() -> fetch(rg), pool)
              : prev.handleAsync(
                  (r, e) -> {
                    if (e != null)
                      throw new CompletionException(
                          new HomiParquetException(
                              "row group "
                                  + rg
                                  + " of "
                                  + file.path()
                                  + " not fetched: an earlier row group failed"));
                    return fetch(rg);
                  },
                  pool);
      pending.addLast(f);
      mostPending = Math.max(mostPending, pending.size());
    }
  }

  private T fetch(int rg) {
    try {
      file.client().waitPatiently(); // every fetch of this file runs here, off the decoding thread
      return opener.open(rg);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The fetched row group, or the fetch's own exception (not a wrapper) thrown here. */
  private static <T> T await(CompletableFuture<T> f) throws IOException {
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

  /**
   * Waits for fetches still in flight (their queue pair belongs to the file) and frees their bytes.
   */
  @Override
  public void close() {
    while (!pending.isEmpty()) {
      CompletableFuture<T> f = pending.removeFirst();
      try {
        T r = f.join();
        if (r != null) r.close();
      } catch (Exception ignored) {
        // a fetch nobody will read failed: nothing was kept, nothing to free
      }
    }
  }
}
