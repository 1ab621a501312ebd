package io.homi.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.homi.runtime.HomiRuntime;
import io.homi.runtime.control.Extent;
import io.homi.runtime.control.ExtentMap;
import io.homi.runtime.control.ExtentMapper;
import io.homi.runtime.os.Libc;
import io.homi.runtime.os.OpenFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.apache.parquet.format.ColumnMetaData;
import org.apache.parquet.format.FileMetaData;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Device faults (issue 22, item 3): a Parquet file on an ext4 whose device sits on device-mapper
 * (scripts/dm-fault.sh: loop -> dm-linear -> loop with direct I/O -> ext4). The dm table is swapped
 * to the {@code error} (then {@code flakey}) target for the 4 KiB block under a data page of row
 * group 1, and homi reads the file on each path (os, direct, device, auto): the scan fails with an
 * I/O error naming the file and the row group, within seconds, never rows; with the table healed
 * the same runtime reads the file into Spark's rows, and the registered host buffers are back where
 * they were. Where the kernel has no device-mapper (the project's machines), the fault is made with
 * scripts/loop-fault.sh instead: the loop device under the ext4 is cut short at that block (every
 * later sector fails, the footer stays readable from the page cache). Skips, saying why, where
 * neither can be set up (not root, no loop devices).
 */
@Timeout(600)
class DeviceFaultIT extends SparkTestBase {
  private static final String NAME = "it-" + ProcessHandle.current().pid();
  private static final Path SCRIPT =
      Path.of("..", "scripts", "dm-fault.sh").toAbsolutePath().normalize();
  private static final Path LOOP_SCRIPT =
      Path.of("..", "scripts", "loop-fault.sh").toAbsolutePath().normalize();

  /** dm-fault.sh where the kernel has device-mapper, else loop-fault.sh (the device cut short). */
  private static Path script = SCRIPT;

  private static final int READ_TIMEOUT_S = 60;
  private static Path dataset;
  private static Path file;
  private static List<Row> expected;
  private static boolean up;
  private static ExecutorService reads;

  private record Result(int rc, String out, String err) {}

  private static Result sh(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of("bash", script.toString()));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).start();
    byte[] out = p.getInputStream().readAllBytes();
    byte[] err = p.getErrorStream().readAllBytes();
    assertThat(p.waitFor(120, TimeUnit.SECONDS))
        .as("dm-fault.sh %s finishes", List.of(args))
        .isTrue();
    return new Result(
        p.exitValue(),
        new String(out, StandardCharsets.UTF_8),
        new String(err, StandardCharsets.UTF_8));
  }

  private static void shOk(String... args) throws IOException, InterruptedException {
    Result r = sh(args);
    assertThat(r.rc()).as("dm-fault.sh %s: %s", List.of(args), r.err()).isZero();
  }

  @BeforeAll
  static void faultableFileSystem() throws Exception {
    assumeTrue(Files.isRegularFile(SCRIPT), "no " + SCRIPT);
    Result r = sh("up", NAME, "256");
    if (r.rc() == 3) {
      System.out.println(
          "DeviceFaultIT: no device-mapper ("
              + r.err().strip()
              + "): faults by cutting a loop device short");
      script = LOOP_SCRIPT;
      r = sh("up", NAME, "256");
    }
    assumeTrue(r.rc() != 3, "device fault tests skipped: " + r.err().strip());
    assertThat(r.rc()).as(script.getFileName() + " up: " + r.err()).isZero();
    up = true;
    reads =
        Executors.newCachedThreadPool(
            t -> {
              Thread th = new Thread(t, "device-fault-read");
              th.setDaemon(true);
              return th;
            });
    dataset = Path.of(r.out().strip(), "data");
    // One file, uncompressed, several row groups of a few hundred KiB.
    spark
        .range(0, 300_000)
        .selectExpr("id", "concat('row-', CAST(id AS STRING)) AS s", "CAST(id AS DOUBLE) / 3 AS d")
        .coalesce(1)
        .write()
        .option("compression", "none")
        .option("parquet.block.size", String.valueOf(1 << 20))
        .parquet(dataset.toString());
    try (Stream<Path> s = Files.list(dataset)) {
      file = s.filter(p -> p.toString().endsWith(".parquet")).findFirst().orElseThrow();
    }
    expected = rows("parquet", dataset, "id");
    assertThat(expected).hasSize(300_000);
  }

  @AfterAll
  static void down() throws Exception {
    if (reads != null) reads.shutdownNow();
    if (up) {
      sh("heal", NAME);
      sh("down", NAME);
    }
  }

  /**
   * Writes back and drops the file's page cache, so the next read goes to the device; then reads
   * the footer back into the cache: planning reads it through the page cache, and the fault is
   * meant for the row groups (a cut short device fails the footer too otherwise).
   */
  private static void dropCache() throws IOException {
    try (OpenFile f = OpenFile.open(file)) {
      Libc.fdatasync(f.fd());
      Libc.posix_fadvise(f.fd(), 0, 0, Libc.POSIX_FADV_DONTNEED);
    }
    byte[] all = Files.readAllBytes(file);
    assertThat(all.length).isPositive();
    try (OpenFile f = OpenFile.open(file)) {
      Libc.posix_fadvise(f.fd(), 0, Footers.footerStart(all) - 8, Libc.POSIX_FADV_DONTNEED);
    }
  }

  /** The 512-byte sector of the file system's device holding byte {@code offset} of the file. */
  private static long sectorOf(long offset) throws IOException {
    try (OpenFile f = OpenFile.open(file)) {
      ExtentMap map = ExtentMapper.map(f, true);
      int i = map.indexOf(offset);
      assertThat(i).as("an extent holds offset %d of %s", offset, file).isNotNegative();
      Extent e = map.extents().get(i);
      assertThat(e.isHole()).isFalse();
      return (e.physical() + (offset - e.logical())) / 512;
    }
  }

  private static Object scan(String path) {
    Future<List<Row>> fut =
        reads.submit(
            () ->
                spark
                    .read()
                    .format("homi")
                    .option("homi.path", path)
                    .load(dataset.toString())
                    .orderBy("id")
                    .collectAsList());
    try {
      return fut.get(READ_TIMEOUT_S, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      spark.sparkContext().cancelAllJobs();
      fut.cancel(true);
      throw new AssertionError(
          "homi.path=" + path + ": no answer in " + READ_TIMEOUT_S + " s over a failing sector");
    } catch (java.util.concurrent.ExecutionException e) {
      return e.getCause();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Test
  void aFailingBlockUnderADataPageFailsTheScanNamingFileAndRowGroupOnEveryPath() throws Exception {
    FileMetaData md = Footers.footer(Files.readAllBytes(file));
    assertThat(md.getRow_groupsSize()).as("several row groups").isGreaterThan(2);
    ColumnMetaData id = md.getRow_groups().get(1).getColumns().get(0).getMeta_data();
    long inPage =
        id.getData_page_offset()
            + id.getTotal_compressed_size() / 2; // inside a data page of column id
    long block = sectorOf(inPage) / 8 * 8; // the whole 4 KiB file-system block
    // Each path read once while healthy first: what a path keeps registered between scans is
    // then counted in the baseline, and a failed scan must not add to it.
    for (String path : List.of("os", "direct", "device", "auto"))
      assertThat(scan(path)).as(path).isEqualTo(expected);
    long registered = HomiRuntime.get().buffers().registeredBytes();
    List<String> report = new ArrayList<>();
    boolean dm = script.equals(SCRIPT);
    for (String target : dm ? List.of("error", "flakey") : List.of("cut")) {
      for (String path : List.of("os", "direct", "device", "auto")) {
        String what =
            "homi.path="
                + path
                + (dm
                    ? " over dm " + target + " at sectors " + block + "+8"
                    : " over a device cut short at sector " + block)
                + " of "
                + file;
        dropCache();
        if (dm) shOk("fail", NAME, String.valueOf(block), "8", target);
        else shOk("cut", NAME, String.valueOf(block));
        Object r;
        try {
          r = scan(path);
        } finally {
          shOk("heal", NAME);
        }
        assertThat(r).as(what + ": no rows from a failing device").isInstanceOf(Throwable.class);
        String m = messages((Throwable) r);
        // dm fails the one block under row group 1; a cut fails every row group from 1 on, and
        // the task holding a later one may fail first.
        assertThat(m)
            .as(what)
            .contains(file.toString())
            .contains(dm ? "row group 1" : "row group ")
            .doesNotContain("NullPointerException")
            .doesNotContain("OutOfMemoryError");
        report.add(
            what
                + ": "
                + m.lines().filter(l -> l.contains("row group ")).reduce((a, b) -> b).orElse(""));
        // The runtime stays usable: healed, the same path reads the file into Spark's rows.
        dropCache();
        Object again = scan(path);
        assertThat(again).as(what + ", healed").isInstanceOf(List.class);
        assertThat((List<?>) again).as(what + ", healed").isEqualTo(expected);
      }
    }
    report.forEach(l -> System.out.println("device fault: " + l));
    assertThat(HomiRuntime.get().buffers().registeredBytes())
        .as("registered host buffers after the faults")
        .isLessThanOrEqualTo(registered);
  }
}
