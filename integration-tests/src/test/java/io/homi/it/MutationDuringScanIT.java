package io.homi.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.homi.runtime.HomiConfig;
import io.homi.runtime.HomiRuntime;
import io.homi.runtime.parquet.ParquetBatchReader;
import io.homi.runtime.parquet.ParquetFileReader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A file truncated, rewritten (same size, other size), appended to, deleted or replaced by rename
 * while homi reads it (issue 22, item 4): after the footer was read and before (or between) the
 * row-group fetches, on the OS and Direct paths and, where bin/test mounted a loop-device ext4
 * (HOMI_DEVICE_TEST_DIR), on the Device path and auto. Every read either returns exactly the rows
 * of the version it opened or fails with an error naming the file, within seconds; then Spark: a
 * file changed between planning and the task, and scans racing a writer that swaps two versions,
 * each scan exactly one version's rows or an error naming the file.
 */
@Timeout(600)
class MutationDuringScanIT extends SparkTestBase {
  private static final String DEVICE_ENV = "HOMI_DEVICE_TEST_DIR";
  private static final int READ_TIMEOUT_S = 30;

  /** Version A, B (other size) and C (A's exact size, other values); ids ascending. */
  private static byte[] versionA;

  private static byte[] versionB;
  private static byte[] versionC;
  private static List<Long> idsA;
  private static List<Long> idsB;
  private static List<Long> idsC;
  private static ExecutorService reads;

  enum Mutation {
    REWRITE_SAME_SIZE,
    REWRITE_OTHER_SIZE,
    TRUNCATE,
    APPEND,
    DELETE,
    RENAME_OVER
  }

  @BeforeAll
  static void writeVersions() throws IOException {
    reads =
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, "mutation-read");
              t.setDaemon(true);
              return t;
            });
    // Fixed-width columns, no dictionary, no compression, no page CRC: two ranges of ids of the
    // same length
    // give files of exactly the same size, so a same-size rewrite is a real other version.
    versionA = write("a", 0);
    versionC = write("c", 5_000_000);
    versionB = write("b", 9_000_000, 30_000);
    assertThat(versionC.length).as("same-size versions").isEqualTo(versionA.length);
    assertThat(versionB.length).isNotEqualTo(versionA.length);
    idsA = LongRange(0, 60_000);
    idsC = LongRange(5_000_000, 60_000);
    idsB = LongRange(9_000_000, 30_000);
  }

  private static List<Long> LongRange(long start, int n) {
    return IntStream.range(0, n).mapToObj(i -> start + i).toList();
  }

  private static byte[] write(String name, long start) throws IOException {
    return write(name, start, 60_000);
  }

  private static byte[] write(String name, long start, int n) throws IOException {
    Path dir = freshDir("mutation-version-" + name);
    spark
        .range(start, start + n)
        .selectExpr("id", "CAST(id AS DOUBLE) * 2 AS d")
        .coalesce(1)
        .write()
        .option("compression", "none")
        .option("parquet.enable.dictionary", "false")
        .option("parquet.page.write-checksum.enabled", "false") // a CRC's varint length varies
        .option("parquet.block.size", "131072")
        .option("parquet.page.row.count.limit", "2000")
        .parquet(dir.toString());
    try (Stream<Path> s = Files.list(dir)) {
      return Files.readAllBytes(
          s.filter(p -> p.toString().endsWith(".parquet")).findFirst().orElseThrow());
    }
  }

  /**
   * Directories to read in, by path: target/ for os and direct, the loop-device ext4 where mounted.
   */
  private static Map<String, Path> placesByPath() throws IOException {
    Map<String, Path> m = new TreeMap<>();
    Path local = Files.createDirectories(freshDir("mutation-scans"));
    m.put("os", local);
    m.put("direct", local);
    String dev = System.getProperty("homi.test.deviceDir", System.getenv(DEVICE_ENV));
    if (dev != null && !dev.isBlank()) {
      Path d = Files.createDirectories(Path.of(dev, "mutation-scans"));
      m.put("device", d);
      m.put("auto", d);
    } else {
      System.out.println(
          "MutationDuringScanIT: device and auto paths skipped: "
              + DEVICE_ENV
              + " is not set (bin/test mounts a loop-device ext4 for it)");
    }
    return m;
  }

  private static void mutate(Path f, Mutation m) throws IOException {
    switch (m) {
      case REWRITE_SAME_SIZE -> {
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
          ch.write(ByteBuffer.wrap(versionC), 0);
        }
      }
      case REWRITE_OTHER_SIZE ->
          Files.write(f, versionB, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
      case TRUNCATE -> {
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
          ch.truncate(versionA.length / 2);
        }
      }
      case APPEND -> Files.write(f, new byte[4096], StandardOpenOption.APPEND);
      case DELETE -> Files.delete(f);
      case RENAME_OVER -> {
        Path tmp = f.resolveSibling(f.getFileName() + ".tmp");
        Files.write(tmp, versionB);
        Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      }
    }
  }

  /**
   * The ids homi reads from f: the footer read at open, f mutated after {@code afterGroups} row
   * groups.
   */
  private static List<Long> readMutatingAfter(Path f, String path, int afterGroups, Mutation m)
      throws Exception {
    try (BufferAllocator alloc = new RootAllocator(512L << 20);
        ParquetFileReader file =
            ParquetFileReader.open(
                HomiRuntime.get(), f, HomiConfig.from(Map.of("homi.path", path)))) {
      assertThat(file.rowGroupCount()).as("several row groups").isGreaterThan(2);
      List<Long> ids = new ArrayList<>();
      boolean mutated = false;
      for (int g = 0; g < file.rowGroupCount(); g++) {
        if (g == afterGroups) {
          mutate(f, m);
          mutated = true;
        }
        try (ParquetBatchReader b =
            new ParquetBatchReader(file, new int[] {g}, file.schema().columns(), alloc, 4096)) {
          for (int n; (n = b.next()) > 0; ) {
            BigIntVector id = (BigIntVector) b.vectors().get(0);
            for (int i = 0; i < n; i++) ids.add(id.get(i));
          }
        }
      }
      assertThat(mutated).isTrue();
      return ids;
    }
  }

  private static <T> Object within(java.util.concurrent.Callable<T> c, String what) {
    Future<T> fut = reads.submit(c);
    try {
      return fut.get(READ_TIMEOUT_S, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      fut.cancel(true);
      throw new AssertionError(what + " gave no answer in " + READ_TIMEOUT_S + " s");
    } catch (java.util.concurrent.ExecutionException e) {
      return e.getCause();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Test
  void aFileChangedBetweenFooterAndRowGroupFetchFailsNamingItOrReadsTheOpenedVersion()
      throws Exception {
    Map<String, Integer> outcomes = new TreeMap<>();
    for (Map.Entry<String, Path> place : placesByPath().entrySet()) {
      String path = place.getKey();
      for (Mutation m : Mutation.values()) {
        for (int after : new int[] {0, 1}) {
          Path f = place.getValue().resolve(path + "-" + m + "-" + after + ".parquet");
          Files.deleteIfExists(f);
          Files.write(f, versionA);
          String what =
              "homi.path=" + path + ", " + m + " after " + after + " row group(s) of " + f;
          Object r = within(() -> readMutatingAfter(f, path, after, m), what);
          String key = path + " " + m + " after " + after + ": ";
          if (r instanceof List<?> ids) {
            // The version the descriptor opened, never the other version's rows, never a mix.
            assertThat(ids).as(what).isEqualTo(idsA);
            outcomes.merge(key + "old rows", 1, Integer::sum);
          } else {
            Throwable t = (Throwable) r;
            String msg = messages(t);
            assertThat(t).as(what + ": " + msg).isInstanceOf(IOException.class);
            assertThat(msg)
                .as(what)
                .contains(f.toString())
                .doesNotContain("NullPointerException")
                .doesNotContain("IndexOutOfBounds");
            outcomes.merge(key + "error (" + firstLine(msg) + ")", 1, Integer::sum);
          }
          Files.deleteIfExists(f);
        }
      }
    }
    outcomes.forEach((k, v) -> System.out.println("mutation after footer: " + k));
    // On every path, a same-size rewrite after the footer read (or after a row group) is caught:
    // the identity re-check after each fetch fails it, it is never read as the old rows.
    assertThat(outcomes.keySet())
        .filteredOn(k -> k.contains("REWRITE_SAME_SIZE"))
        .allMatch(k -> k.contains("error"));
  }

  private static String firstLine(String m) {
    String l = m.lines().findFirst().orElse("");
    return l.length() > 160 ? l.substring(0, 160) + "..." : l;
  }

  @Test
  void aFileChangedAfterPlanningFailsTheTaskNamingIt() throws Exception {
    for (Map.Entry<String, Path> place : placesByPath().entrySet()) {
      for (Mutation m : Mutation.values()) {
        Path dir =
            Files.createDirectories(
                place.getValue().resolve("planned-" + place.getKey() + "-" + m));
        Path f = dir.resolve("part-0.parquet");
        Files.write(f, versionA);
        // load() lists the file (size, mtime) and reads its footer for the schema; the task
        // opens it afterwards.
        Dataset<Row> df =
            spark.read().format("homi").option("homi.path", place.getKey()).load(dir.toString());
        mutate(f, m);
        String what = "homi.path=" + place.getKey() + ", " + m + " after planning " + f;
        Object r = within(() -> df.select("id").collectAsList(), what);
        if (r instanceof List<?> rows) {
          List<Long> ids = rows.stream().map(x -> ((Row) x).getLong(0)).sorted().toList();
          assertThat(ids).as(what).isIn(idsA, idsB, idsC);
        } else {
          assertThat(messages((Throwable) r))
              .as(what)
              .contains(f.toString())
              .doesNotContain("NullPointerException");
        }
        try (Stream<Path> s = Files.list(dir)) {
          for (Path p : s.toList()) Files.delete(p);
        }
        Files.delete(dir);
      }
    }
  }

  @Test
  void scansRacingAWriterReturnOneVersionOrFailNamingTheFile() throws Exception {
    long perPathNanos = TimeUnit.SECONDS.toNanos(Long.getLong("homi.mutation.seconds", 10));
    StringBuilder report = new StringBuilder();
    int withRows = 0;
    for (Map.Entry<String, Path> place : placesByPath().entrySet()) {
      Path dir = Files.createDirectories(place.getValue().resolve("race-" + place.getKey()));
      Path f = dir.resolve("part-0.parquet");
      Files.write(f, versionA);
      AtomicBoolean stop = new AtomicBoolean();
      Future<Integer> writer =
          reads.submit(
              () -> {
                // Each step is one of the mutations, ending with a whole version in place.
                int k = 0;
                byte[][] versions = {versionA, versionC, versionB};
                while (!stop.get()) {
                  byte[] v = versions[k % 3];
                  switch (k % 4) {
                    case 0 -> {
                      try (FileChannel ch =
                          FileChannel.open(
                              f, StandardOpenOption.WRITE)) { // in place, no truncate first
                        ch.write(ByteBuffer.wrap(v), 0);
                        ch.truncate(v.length);
                      }
                    }
                    case 1 ->
                        Files.write(
                            f, v, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
                    case 2 -> {
                      Path tmp = dir.resolve(".tmp-" + k);
                      Files.write(tmp, v);
                      Files.move(
                          tmp,
                          f,
                          StandardCopyOption.REPLACE_EXISTING,
                          StandardCopyOption.ATOMIC_MOVE);
                    }
                    default -> {
                      Files.write(
                          f,
                          Arrays.copyOf(v, v.length / 3),
                          StandardOpenOption.TRUNCATE_EXISTING,
                          StandardOpenOption.WRITE);
                      Files.write(
                          f,
                          Arrays.copyOfRange(v, v.length / 3, v.length),
                          StandardOpenOption.APPEND);
                    }
                  }
                  k++;
                  // Bursts of writes, then a quiet spell in which a scan can complete on one
                  // version.
                  Thread.sleep(k % 8 == 0 ? 400 : k % 3);
                }
                return k;
              });
      Map<String, Integer> outcomes = new TreeMap<>();
      long start = System.nanoTime();
      int scans = 0;
      try {
        while (System.nanoTime() - start < perPathNanos) {
          String what = "homi.path=" + place.getKey() + " scan " + scans + " of " + f;
          Object r =
              within(
                  () ->
                      spark
                          .read()
                          .format("homi")
                          .option("homi.path", place.getKey())
                          .load(dir.toString())
                          .select("id")
                          .collectAsList(),
                  what);
          if (r instanceof List<?> rows) {
            List<Long> ids = rows.stream().map(x -> ((Row) x).getLong(0)).sorted().toList();
            assertThat(ids).as(what + ": one version's rows").isIn(idsA, idsB, idsC);
            outcomes.merge(ids.equals(idsA) ? "A" : ids.equals(idsB) ? "B" : "C", 1, Integer::sum);
            withRows++;
          } else {
            String msg = messages((Throwable) r);
            // A scan may find no file during a rename (listing) or a half-written one: named either
            // way.
            assertThat(msg)
                .as(what)
                .containsAnyOf(f.toString(), dir.toString())
                .doesNotContain("NullPointerException")
                .doesNotContain("OutOfMemoryError")
                .doesNotContain("IndexOutOfBounds");
            outcomes.merge("error", 1, Integer::sum);
          }
          scans++;
        }
      } finally {
        stop.set(true);
      }
      int writes = writer.get(30, TimeUnit.SECONDS);
      report.append(
          String.format(
              "mutation race: homi.path=%s, %d scans against %d writes: %s%n",
              place.getKey(), scans, writes, outcomes));
      assertThat(scans).isGreaterThan(5);
      assertThat(writes).isGreaterThan(scans / 2);
    }
    System.out.print(report);
    assertThat(withRows)
        .as("scans that completed between writes (the race is not all errors)")
        .isPositive();
  }
}
