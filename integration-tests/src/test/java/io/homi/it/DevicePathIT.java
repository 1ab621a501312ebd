package io.homi.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.homi.runtime.os.Libc;
import io.homi.runtime.os.OpenFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Spark reads a Parquet dataset on a real block device by LBA: the files sit on the loop-device
 * ext4 that bin/test mounts (HOMI_DEVICE_TEST_DIR), their page cache is dropped first, and
 * format("homi") under homi.path=device and under auto returns what format("parquet") returns, with
 * the scan's metrics showing the bytes came on the DEVICE path. Skips (saying why) where no device
 * directory was set up; fails where one was but cannot be read.
 */
class DevicePathIT extends SparkTestBase {
  private static final String ENV = "HOMI_DEVICE_TEST_DIR";
  private static final long ROWS = 400_000;
  private static Path dataset;
  private static List<Row> expected;

  @BeforeAll
  static void writeDatasetOnTheDevice() throws IOException {
    String dir = System.getProperty("homi.test.deviceDir", System.getenv(ENV));
    assumeTrue(
        dir != null && !dir.isBlank(),
        "no device directory: set "
            + ENV
            + " to a directory on a block device this process can open (bin/test mounts one with scripts/loop-ext4.sh)");
    dataset = Path.of(dir, "device-path-it", "data");
    if (Files.exists(dataset)) {
      try (Stream<Path> s = Files.walk(dataset)) {
        s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
    spark
        .range(0, ROWS, 1, 2)
        .selectExpr(
            "id",
            "CASE WHEN id % 7 = 0 THEN NULL ELSE concat('row-', CAST(id AS STRING), repeat('y', CAST(id % 23 AS INT))) END AS s",
            "CAST(id AS DOUBLE) / 3 AS d",
            "CAST(id % 1000 AS INT) AS k")
        .write()
        .option("compression", "none")
        .parquet(dataset.toString());
    expected =
        spark.read().format("parquet").load(dataset.toString()).orderBy("id").collectAsList();
    assertThat(expected).hasSize((int) ROWS);
  }

  @Test
  void deviceModeReadsByLbaAndEqualsSparksReader() throws IOException {
    dropCaches();
    Dataset<Row> homi =
        spark.read().format("homi").option("homi.path", "device").load(dataset.toString());
    assertThat(homi.orderBy("id").collectAsList()).containsExactlyElementsOf(expected);
    Dataset<Row> scan =
        spark.read().format("homi").option("homi.path", "device").load(dataset.toString());
    dropCaches();
    assertThat(scan.collectAsList()).hasSize((int) ROWS);
    Map<String, Long> m = MetricsIT.scanMetrics(scan);
    assertThat(m.get("homiBytesDevice"))
        .as("bytes by LBA from the block device, metrics " + m)
        .isGreaterThan(MetricsIT.totalSize(dataset) / 2);
    assertThat(m.get("homiBytesOs") + m.get("homiBytesDirect") + m.get("homiBytesGpu"))
        .as("metrics " + m)
        .isZero();
    assertThat(m.get("homiRowsDecoded")).isEqualTo(ROWS);
  }

  @Test
  void autoSendsColdDataToTheDevicePath() throws IOException {
    dropCaches();
    Dataset<Row> homi =
        spark.read().format("homi").option("homi.path", "auto").load(dataset.toString());
    List<Row> rows = homi.collectAsList();
    Map<String, Long> m = MetricsIT.scanMetrics(homi);
    assertThat(rows.stream().sorted((a, b) -> Long.compare(a.getLong(0), b.getLong(0))).toList())
        .containsExactlyElementsOf(expected);
    assertThat(m.get("homiBytesDevice"))
        .as("cold column chunks on the device path, metrics " + m)
        .isGreaterThan(MetricsIT.totalSize(dataset) / 2);
    assertThat(m.get("homiBytesDirect"))
        .as("Device is preferred over Direct for cold data, metrics " + m)
        .isZero();
  }

  /**
   * Writes back and drops the page cache of every file of the dataset, so the next read is cold.
   */
  private static void dropCaches() throws IOException {
    try (Stream<Path> s = Files.walk(dataset)) {
      for (Path p : s.filter(Files::isRegularFile).toList()) {
        try (OpenFile f = OpenFile.open(p)) {
          Libc.fdatasync(f.fd());
          Libc.posix_fadvise(f.fd(), 0, 0, Libc.POSIX_FADV_DONTNEED);
        }
      }
    }
  }
}
