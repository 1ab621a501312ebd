package io.homi.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.homi.runtime.HomiRuntime;
import io.homi.runtime.mediator.Mediator;
import io.homi.runtime.mediator.PathKind;
import io.homi.runtime.mediator.PathStats;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * One namespace and one queue pair per file a scan opens (issue 14's one door): a Spark scan of a
 * multi-file dataset attaches each file once, for every row group it reads, and on the GPU the
 * device destination goes through that same namespace and queue pair rather than a second one.
 * Counted by the mediator ({@code NamespaceTable.attaches}, {@code Mediator.queuePairsCreated}) in
 * this JVM, where local Spark runs its tasks. The scan is run once first so that every footer is in
 * the footer cache: the measured scan's planning (schema, statistics) then attaches nothing, and
 * each split attaches its file at its first fetch. Every file is smaller than a split, so files
 * opened = splits = files; and since the rows equal Spark's, every file was read (at least one
 * attach each), so a total equal to the files means exactly one each.
 */
class OneAttachPerFileIT extends SparkTestBase {
  private static Path dir;
  private static int files;

  @BeforeAll
  static void data() throws IOException {
    dir = freshDir("one-attach-per-file");
    // 6 files of 4 row groups or so each: a second attach per row group or per fetch would show.
    spark
        .range(0, 120_000, 1, 6)
        .selectExpr(
            "id", "CAST(id * 0.5 AS DOUBLE) AS d", "concat('v', CAST(id % 977 AS STRING)) AS s")
        .write()
        .option("parquet.block.size", 256 * 1024)
        .option("parquet.page.size", 16 * 1024)
        .parquet(dir.toString());
    try (Stream<Path> s = Files.list(dir)) {
      files = (int) s.filter(p -> p.getFileName().toString().endsWith(".parquet")).count();
    }
    assertThat(files).isEqualTo(6);
  }

  @ParameterizedTest(name = "homi.path={0}")
  @ValueSource(strings = {"os", "direct"})
  void aScanAttachesEachFileOnceWithOneQueuePair(String path) {
    Counted c = scan(spark.read().format("homi").option("homi.path", path));
    assertThat(c.rows).as("rows, against Spark's Parquet reader").isEqualTo(expected());
    assertThat(c.attaches).as("namespaces attached, one per file opened").isEqualTo(files);
    assertThat(c.queuePairs).as("queue pairs created, one per file opened").isEqualTo(files);
    assertThat(c.bytes.bytes(PathKind.valueOf(path.toUpperCase(java.util.Locale.ROOT))))
        .as("bytes on the forced path")
        .isPositive();
  }

  /**
   * GPU output: each row group's chunk bytes land in device memory through the split's own reader
   * ({@code MediatorSource} over {@code ParquetFileReader.readDevice}), so the GPU destination adds
   * no namespace and no queue pair.
   */
  @Test
  @Tag("gpu")
  void theGpuDestinationSharesTheFilesNamespaceAndQueuePair() {
    GpuSparkIT.assumeGpu();
    Counted c =
        scan(spark.read().format("homi").option("homi.path", "os").option("homi.output", "gpu"));
    assertThat(c.rows).as("rows, against Spark's Parquet reader").isEqualTo(expected());
    assertThat(c.bytes.bytes(PathKind.GPU)).as("bytes into GPU memory").isPositive();
    assertThat(c.attaches).as("namespaces attached, one per file opened").isEqualTo(files);
    assertThat(c.queuePairs).as("queue pairs created, one per file opened").isEqualTo(files);
  }

  private record Counted(
      List<List<Object>> rows, long attaches, long queuePairs, PathStats.Snapshot bytes) {}

  /** The reader's rows (sorted here: an ORDER BY would scan twice), and what the scan counted. */
  private static Counted scan(org.apache.spark.sql.DataFrameReader reader) {
    Dataset<Row> df = reader.load(dir.toString());
    df.collectAsList(); // warms the footer cache (planning reads every footer once)
    Mediator m = HomiRuntime.get().mediator();
    long attaches = m.namespaces().attaches();
    long queuePairs = m.queuePairsCreated();
    PathStats.Snapshot before = m.stats().snapshot();
    List<Row> got = df.collectAsList();
    return new Counted(
        sorted(got),
        m.namespaces().attaches() - attaches,
        m.queuePairsCreated() - queuePairs,
        m.stats().snapshot().minus(before));
  }

  private static List<List<Object>> expected() {
    return sorted(spark.read().parquet(dir.toString()).collectAsList());
  }

  private static List<List<Object>> sorted(List<Row> rows) {
    List<List<Object>> out = new ArrayList<>();
    for (Row r : rows) out.add(List.of(r.getLong(0), r.getDouble(1), r.getString(2)));
    out.sort(Comparator.comparingLong(l -> (Long) l.get(0)));
    return out;
  }
}
