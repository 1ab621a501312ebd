package io.homi.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.homi.runtime.HomiRuntime;
import io.homi.runtime.gpu.CudaDriver;
import io.homi.runtime.gpu.DeviceBuffer;
import io.homi.runtime.gpu.GpuProbe;
import io.homi.runtime.gpu.decode.GpuRowGroups;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code homi.output=gpu} and {@code gpu-or-host} inside Spark on a GPU: every query equals
 * format("parquet") (projections, pushed filters, page-pruning ranges, partition filters,
 * aggregates, types the kernels refuse beside ones they decode), 1,000 consecutive scans leave
 * device memory flat, and a GPU out-of-memory during decode fails the task naming file and row
 * group under {@code gpu} or decodes the row group on the CPU, counted, under {@code gpu-or-host}
 * ({@code homi.gpu.memoryLimit}, set for the test with {@link DeviceBuffer#setMemoryLimit},
 * provokes it deterministically); the host copies go through pinned memory that is given back and
 * bounded, and equal Spark's reader under {@code homi.gpuHostCopy} eager and lazy and without
 * pinned memory. Tagged {@code gpu}: skipped without a GPU, saying why (failed instead under {@code
 * -Dhomi.test.requireGpu=true}).
 */
@Tag("gpu")
class GpuSparkIT extends SparkTestBase {
  private static Path dir;
  private static Path small;

  /**
   * Columns of kinds the kernels decode (integers, floating point, boolean, date, strings, binary).
   */
  private static final String GPU_COLUMNS = "id, i, d, s, b, dt, i8, i16, f, bin, part";

  static void assumeGpu() {
    String why = HomiRuntime.get().gpuUnavailable(GpuProbe.defaultOrdinal());
    if (why == null) return;
    if (Boolean.getBoolean("homi.test.requireGpu")) fail("homi.test.requireGpu=true but " + why);
    assumeTrue(
        false,
        why
            + ": GPU test skipped (run it on a GPU machine: mvn -Pgpu or scripts/device-gpu-tests.sh)");
  }

  @BeforeAll
  static void data() throws IOException {
    dir = freshDir("gpu-spark");
    // GpuOutputIT's data (kinds the kernels decode and kinds they may refuse, nulls, a partition
    // column, several row groups per file), ordered by id within files and with small pages so
    // that id ranges prune pages and row groups.
    spark
        .range(0, 60_000, 1, 2)
        .selectExpr(
            "id",
            "CAST(id % 100 AS INT) AS i",
            "CAST(id AS DOUBLE) / 3 AS d",
            "IF(id % 11 = 0, NULL, concat('s', CAST(id % 1000 AS STRING))) AS s",
            "id % 2 = 0 AS b",
            "date_add(DATE'2020-01-01', CAST(id % 400 AS INT)) AS dt",
            "CAST(id AS DECIMAL(18, 2)) AS dec",
            "timestamp_seconds(id) AS ts",
            "CAST(id % 100 AS TINYINT) AS i8",
            "CAST(id % 3000 AS SMALLINT) AS i16",
            "IF(id % 5 = 0, NULL, CAST(id AS FLOAT) / 7) AS f",
            "encode(concat('b', CAST(id % 77 AS STRING)), 'UTF-8') AS bin",
            "CAST(id % 3 AS INT) AS part")
        .sortWithinPartitions("id")
        .write()
        .partitionBy("part")
        .option("parquet.block.size", 256 * 1024)
        .option("parquet.page.size", 8 * 1024)
        .parquet(dir.toString());
    small = freshDir("gpu-spark-small");
    spark
        .range(0, 20_000, 1, 1)
        .selectExpr("id", "CAST(id % 7 AS INT) AS k", "concat('v', CAST(id AS STRING)) AS s")
        .write()
        .option("parquet.block.size", 64 * 1024)
        .parquet(small.toString());
  }

  private static Dataset<Row> homi(String output, Path p) {
    return spark.read().format("homi").option("homi.output", output).load(p.toString());
  }

  private static void assertSameRows(Dataset<Row> homi, Dataset<Row> parquet) {
    assertThat(homi.schema()).isEqualTo(parquet.schema());
    List<List<Object>> expected = ConformanceIT.canonical(parquet.collectAsList());
    List<List<Object>> actual = ConformanceIT.canonical(homi.collectAsList());
    assertThat(actual).hasSize(expected.size()).containsExactlyElementsOf(expected);
  }

  @ParameterizedTest(name = "homi.output={0}")
  @ValueSource(strings = {"gpu", "gpu-or-host"})
  void queriesEqualSparksParquetReader(String output) throws IOException {
    assumeGpu();
    Dataset<Row> parquet = spark.read().format("parquet").load(dir.toString());
    Dataset<Row> h = homi(output, dir);
    String[] filters = {
      "true", // everything
      "i = 7", // pushed equality, dictionary-encoded column
      "id BETWEEN 12000 AND 12100", // a range: row groups and pages pruned by statistics
      "part = 1 AND s IS NULL", // a partition filter and a null test
      "s IN ('s5', 's999') OR d > 19990", // an IN list and a floating point range
      "dt = DATE'2020-02-01' AND b", // date and boolean
    };
    for (String where : filters) {
      assertSameRows(
          h.selectExpr(GPU_COLUMNS.split(", ")).where(where).orderBy("id"),
          parquet.selectExpr(GPU_COLUMNS.split(", ")).where(where).orderBy("id"));
    }
    // all columns, the kinds the kernels refuse included (decoded on the CPU, per row group)
    assertSameRows(h.orderBy("id"), parquet.orderBy("id"));
    String agg =
        "part, count(*) AS n, sum(i) AS si, avg(d) AS ad, count(s) AS cs, min(dt) AS mdt, max(dec) AS mdec, "
            + "sum(i8) AS s8, sum(i16) AS s16, count(f) AS cf, max(bin) AS mb";
    h.createOrReplaceTempView("h");
    parquet.createOrReplaceTempView("p");
    assertSameRows(
        spark.sql("SELECT " + agg + " FROM h GROUP BY part ORDER BY part"),
        spark.sql("SELECT " + agg + " FROM p GROUP BY part ORDER BY part"));

    // the kinds the kernels decode: every row group on the GPU, the scan's description naming the
    // device
    Dataset<Row> scan = homi(output, dir).selectExpr(GPU_COLUMNS.split(", "));
    assertThat(scan.collectAsList()).hasSize(60_000);
    Map<String, Long> m = MetricsIT.scanMetrics(scan);
    long rowGroups = MetricsIT.countRowGroups(dir);
    assertThat(m.get("homiGpuRowGroups")).isEqualTo(rowGroups);
    assertThat(
            m.get("homiGpuRefusedRowGroups")
                + m.get("homiHostFallbackRowGroups")
                + m.get("homiGpuOutOfMemoryRowGroups"))
        .isZero();
    assertThat(m.get("homiRowsDecoded")).isEqualTo(60_000L);
    assertThat(m.get("homiGpuStagedBytes")).isPositive();
    assertThat(m.get("homiGpuPinnedRowGroups"))
        .as("homi.gpuHostCopy=eager by default: pinned copies")
        .isEqualTo(rowGroups);
    assertThat(scan.queryExecution().executedPlan().toString())
        .contains(
            "output="
                + output
                + " (GPU "
                + GpuProbe.defaultOrdinal()
                + ": "
                + GpuProbe.probe().deviceName()
                + ")");
  }

  /**
   * 1,000 consecutive {@code gpu} scans (each copying its columns to the host for an aggregate)
   * leave device memory where 20 warm-up scans left it: HOMI's live device buffers exactly, and
   * cuMemGetInfo's free bytes within 8 MiB (the driver hands out device memory in 2 MiB pages; a
   * few per-thread stream or event pools of the Spark task threads may appear; a leak of one row
   * group's buffers per scan would be 1,000 x ~300 KB = 300 MB).
   */
  @Test
  void aThousandScansLeaveDeviceMemoryFlat() {
    assumeGpu();
    Dataset<Row> expected =
        spark
            .read()
            .parquet(small.toString())
            .selectExpr("count(*)", "sum(id)", "sum(k)", "max(s)");
    Row want = expected.collectAsList().get(0);
    for (int i = 0; i < 20; i++) assertThat(scanSmall().get(0)).isEqualTo(want);
    GpuRowGroups g = HomiRuntime.get().gpuRowGroups(GpuProbe.defaultOrdinal());
    g.gpu().bind();
    CudaDriver.synchronize();
    long liveBefore = DeviceBuffer.liveBytes();
    long freeBefore = CudaDriver.memInfo()[0];
    long pinnedBefore = g.pinnedHostMemory().heldBytes();
    for (int i = 0; i < 1000; i++) {
      List<Row> r = scanSmall();
      if (!r.get(0).equals(want)) fail("scan " + i + ": " + r.get(0) + " != " + want + "");
    }
    g.gpu().bind();
    CudaDriver.synchronize();
    long liveAfter = DeviceBuffer.liveBytes();
    long freeAfter = CudaDriver.memInfo()[0];
    System.out.printf(
        "GPU memory over 1000 homi.output=gpu scans: free %d -> %d bytes (%+d), live DeviceBuffers %d -> %d%n",
        freeBefore, freeAfter, freeAfter - freeBefore, liveBefore, liveAfter);
    long pinnedAfter = g.pinnedHostMemory().heldBytes();
    System.out.printf(
        "pinned host memory of the host copies: held %d -> %d bytes, in use after %d%n",
        pinnedBefore, pinnedAfter, g.pinnedHostMemory().inUseBytes());
    assertThat(liveAfter).as("live DeviceBuffer bytes").isEqualTo(liveBefore);
    // every row group's pinned copy went back to the pool and was reused: none allocated per scan
    assertThat(g.pinnedHostMemory().inUseBytes()).as("pinned bytes still in use").isZero();
    assertThat(pinnedAfter)
        .as("pinned bytes held")
        .isEqualTo(pinnedBefore)
        .isPositive()
        .isLessThanOrEqualTo(g.pinnedHostMemory().limit());
    assertThat(freeAfter)
        .as("cuMemGetInfo free bytes")
        .isBetween(freeBefore - (8L << 20), freeBefore + (8L << 20));
  }

  private static List<Row> scanSmall() {
    return homi("gpu", small).selectExpr("count(*)", "sum(id)", "sum(k)", "max(s)").collectAsList();
  }

  /**
   * The host copy modes: {@code eager} (copies issued right after each decode), {@code lazy} (per
   * column at its first CPU read), and no pinned memory at all (the pool's bound 0: ordinary
   * memory, column by column) all give Spark's rows; pinned buffers are all given back after each
   * query, and the bound holds (0 frees every idle buffer).
   */
  @ParameterizedTest(name = "homi.gpuHostCopy={0}")
  @ValueSource(strings = {"eager", "lazy"})
  void hostCopiesEqualSparksParquetReaderPinnedOrNot(String mode) throws IOException {
    assumeGpu();
    GpuRowGroups g = HomiRuntime.get().gpuRowGroups(GpuProbe.defaultOrdinal());
    long limit = g.pinnedHostMemory().limit();
    Dataset<Row> parquet =
        spark.read().format("parquet").load(dir.toString()).selectExpr(GPU_COLUMNS.split(", "));
    String agg =
        "part, count(*), sum(i), sum(d), count(s), max(s), min(dt), sum(i8), sum(i16), sum(f), max(bin), "
            + "sum(CAST(b AS INT))";
    try {
      for (long bound : new long[] {limit, 0}) {
        g.pinnedHostMemory().setLimit(bound);
        Dataset<Row> h =
            spark
                .read()
                .format("homi")
                .option("homi.output", "gpu")
                .option("homi.gpuHostCopy", mode)
                .load(dir.toString())
                .selectExpr(GPU_COLUMNS.split(", "));
        assertSameRows(h.orderBy("id"), parquet.orderBy("id"));
        h.createOrReplaceTempView("hc");
        parquet.createOrReplaceTempView("pc");
        assertSameRows(
            spark.sql("SELECT " + agg + " FROM hc GROUP BY part ORDER BY part"),
            spark.sql("SELECT " + agg + " FROM pc GROUP BY part ORDER BY part"));
        assertThat(h.collectAsList()).hasSize(60_000);
        Map<String, Long> m = MetricsIT.scanMetrics(h);
        long rowGroups = MetricsIT.countRowGroups(dir);
        assertThat(m.get("homiGpuRowGroups"))
            .as("every row group decoded on the GPU")
            .isEqualTo(rowGroups);
        assertThat(m.get("homiGpuPinnedRowGroups"))
            .as("row groups copied to pinned memory right after decode")
            .isEqualTo(mode.equals("eager") && bound > 0 ? rowGroups : 0L);
        assertThat(g.pinnedHostMemory().inUseBytes())
            .as("pinned bytes in use after the queries")
            .isZero();
        assertThat(g.pinnedHostMemory().heldBytes())
            .as("pinned bytes held, bound " + bound)
            .isLessThanOrEqualTo(bound);
        if (bound > 0)
          assertThat(g.pinnedHostMemory().heldBytes())
              .as("pinned buffers kept for reuse")
              .isPositive();
      }
    } finally {
      g.pinnedHostMemory().setLimit(limit);
    }
  }

  /**
   * One unrestricted scan of {@code small} first: the GPU path attached, the staging grown for its
   * row groups.
   */
  private static void warmUp() {
    assertThat(homi("gpu", small).selectExpr("sum(id)", "max(s)").collectAsList()).hasSize(1);
  }

  @Test
  void outOfMemoryUnderGpuFailsTheTaskNamingFileAndRowGroup() {
    assumeGpu();
    warmUp();
    long live = DeviceBuffer.liveBytes();
    DeviceBuffer.setMemoryLimit(live + 1); // any new device buffer fails
    try {
      assertThatThrownBy(() -> homi("gpu", small).selectExpr("sum(id)", "max(s)").collectAsList())
          .satisfies(
              t ->
                  assertThat(messages(t))
                      .containsPattern(
                          "homi.output=gpu: GPU \\d+ out of memory decoding row group \\d+ of \\S*"
                              + small
                              + "/part-\\S+\\.parquet")
                      .contains("CUDA_ERROR_OUT_OF_MEMORY")
                      .contains("homi.output=gpu-or-host"));
    } finally {
      DeviceBuffer.setMemoryLimit(-1); // back to homi.gpu.memoryLimit
    }
    // not more than before (less when staging that had to grow was let go before the failed
    // allocation)
    assertThat(DeviceBuffer.liveBytes())
        .as("nothing held after the failed decodes")
        .isLessThanOrEqualTo(live);
    assertThat(homi("gpu", small).selectExpr("sum(id)").collectAsList().get(0).getLong(0))
        .isEqualTo(199_990_000L);
  }

  @Test
  void outOfMemoryUnderGpuOrHostDecodesOnTheCpuAndCountsIt() throws IOException {
    assumeGpu();
    warmUp();
    long live = DeviceBuffer.liveBytes();
    DeviceBuffer.setMemoryLimit(live + 1);
    try {
      Dataset<Row> h = homi("gpu-or-host", small);
      assertSameRows(h.orderBy("id"), spark.read().parquet(small.toString()).orderBy("id"));
      Dataset<Row> scan = homi("gpu-or-host", small);
      assertThat(scan.collectAsList()).hasSize(20_000);
      Map<String, Long> m = MetricsIT.scanMetrics(scan);
      long rowGroups = MetricsIT.countRowGroups(small);
      assertThat(rowGroups).isGreaterThan(1);
      assertThat(m.get("homiGpuOutOfMemoryRowGroups")).isEqualTo(rowGroups);
      assertThat(m.get("homiGpuRowGroups")).isZero();
      assertThat(m.get("homiRowsDecoded")).isEqualTo(20_000L);
    } finally {
      DeviceBuffer.setMemoryLimit(-1); // back to homi.gpu.memoryLimit
    }
    assertThat(DeviceBuffer.liveBytes()).isLessThanOrEqualTo(live);
  }
}
