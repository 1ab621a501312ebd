package io.homi.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.stream.Stream;
import org.apache.spark.SparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;

/**
 * Progress lines on stderr while a table is written: rows done of the total, MB on disk so far,
 * seconds elapsed, at most one line every {@code everySeconds}. Rows come from the generator's own
 * counter where it has one (live; it counts in this JVM, so only under a local master), else from
 * the records Spark's finished write tasks report; MB is what the output directory holds now,
 * Spark's {@code _temporary} files included (they grow as row groups are flushed).
 */
final class GenerationProgress implements AutoCloseable {
  private final String table;
  private final long totalRows;
  private final Path dir;
  private final PrintStream out;
  private final LongSupplier liveRows;
  private final SparkContext sc;
  private final long t0 = System.nanoTime();
  private final AtomicLong finishedTaskRows = new AtomicLong();
  private final SparkListener listener =
      new SparkListener() {
        @Override
        public void onTaskEnd(SparkListenerTaskEnd end) {
          if (end.taskMetrics() != null)
            finishedTaskRows.addAndGet(end.taskMetrics().outputMetrics().recordsWritten());
        }
      };
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "homi-bench-progress");
            t.setDaemon(true);
            return t;
          });

  /**
   * Starts reporting. {@code liveRows} counts rows generated so far (null: none; finished tasks'
   * records only).
   */
  GenerationProgress(
      SparkContext sc,
      String table,
      long totalRows,
      Path dir,
      LongSupplier liveRows,
      PrintStream out,
      long everySeconds) {
    this.sc = sc;
    this.table = table;
    this.totalRows = totalRows;
    this.dir = dir;
    this.liveRows = liveRows;
    this.out = out;
    sc.addSparkListener(listener);
    timer.scheduleAtFixedRate(
        () -> out.println(line()), everySeconds, everySeconds, TimeUnit.SECONDS);
  }

  /**
   * Rows written so far: the larger of the live counter and the finished tasks' records, capped at
   * the total.
   */
  long rowsDone() {
    long live = liveRows == null ? 0 : liveRows.getAsLong();
    return Math.min(totalRows, Math.max(live, finishedTaskRows.get()));
  }

  /** One progress line: table, rows done / total (percent), MB written, elapsed seconds. */
  String line() {
    long rows = rowsDone();
    return String.format(
        Locale.ROOT,
        "[homi-bench]   %s: %,d / %,d rows (%.0f%%), %.1f MB written, %.0f s elapsed",
        table,
        rows,
        totalRows,
        totalRows == 0 ? 100.0 : 100.0 * rows / totalRows,
        bytesOnDisk(dir) / 1e6,
        (System.nanoTime() - t0) / 1e9);
  }

  /**
   * Bytes of the files under {@code dir} now; files that vanish while walking (Spark's commit moves
   * them) are skipped.
   */
  static long bytesOnDisk(Path dir) {
    if (!Files.isDirectory(dir)) return 0;
    try (Stream<Path> s = Files.walk(dir)) {
      return s.mapToLong(
              p -> {
                try {
                  return Files.isRegularFile(p) ? Files.size(p) : 0;
                } catch (NoSuchFileException gone) {
                  return 0;
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              })
          .sum();
    } catch (IOException | UncheckedIOException e) {
      return 0; // a directory renamed under the walk: the next line counts again
    }
  }

  /**
   * Stops the periodic lines (waiting out one being printed), so that a last line comes after them.
   */
  void stopTimer() {
    timer.shutdownNow();
    try {
      timer.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    stopTimer();
    sc.removeSparkListener(listener);
  }
}
