package io.homi.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.homi.runtime.HomiConfig;
import io.homi.runtime.HomiRuntime;
import io.homi.runtime.mediator.BufferRegistry;
import io.homi.runtime.parquet.ParquetBatchReader;
import io.homi.runtime.parquet.ParquetFileReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.VarBinaryVector;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.execution.SparkPlan;
import org.apache.spark.sql.vectorized.ColumnarBatch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The memory bound, proved with the runtime's own accounting (not timings): a Parquet file of about
 * 1 GB (parquet-java, random payloads so it really is that big on disk, 64 MiB row groups) read
 * with a small {@code homi.batchRows}. Every batch holds at most that many rows, and neither the
 * Arrow memory (the reader's allocator peak) nor the mediator's registered I/O buffers (their peak)
 * ever come near the file's size: at most one row group's bytes are held per reader. Checked on the
 * runtime's {@link ParquetBatchReader} and on the Spark connector's scan ({@code format("homi")},
 * its batches counted on the executor), and the answer is compared with {@code format("parquet")}.
 * The file lives under target/ and is deleted afterwards.
 */
@Timeout(600)
class MemoryBoundIT extends SparkTestBase {
  private static final long ROWS = 1_000_000;
  private static final int PAYLOAD = 1000;
  private static final long ROW_GROUP = 64L << 20;
  private static final int BATCH_ROWS = 1000;
  private static Path dir;
  private static Path file;
  private static long fileSize;
  private static long largestRowGroup;

  @BeforeAll
  static void writeBigFile() throws IOException {
    dir = freshDir("memory-bound");
    Files.createDirectories(dir);
    file = dir.resolve("big.parquet");
    MessageType schema =
        MessageTypeParser.parseMessageType(
            "message big { required int64 id; required binary payload; required double x; }");
    SimpleGroupFactory groups = new SimpleGroupFactory(schema);
    SplittableRandom random = new SplittableRandom(42);
    byte[] payload = new byte[PAYLOAD];
    try (ParquetWriter<org.apache.parquet.example.data.Group> w =
        ExampleParquetWriter.builder(new LocalOutputFile(file))
            .withType(schema)
            .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
            .withRowGroupSize(ROW_GROUP)
            .withDictionaryEncoding(false)
            .withCompressionCodec(CompressionCodecName.UNCOMPRESSED)
            .build()) {
      for (long i = 0; i < ROWS; i++) {
        random.nextBytes(payload);
        w.write(
            groups
                .newGroup()
                .append("id", i)
                .append("payload", Binary.fromReusedByteArray(payload))
                .append("x", random.nextDouble()));
      }
    }
    fileSize = Files.size(file);
    try (ParquetFileReader f =
        ParquetFileReader.open(HomiRuntime.get(), file, HomiConfig.defaults())) {
      assertThat(f.rowGroupCount()).as("row groups").isGreaterThanOrEqualTo(8);
      largestRowGroup =
          f.metadata().getRow_groups().stream()
              .mapToLong(g -> g.getTotal_compressed_size())
              .max()
              .orElseThrow();
    }
  }

  @AfterAll
  static void deleteBigFile() throws IOException {
    if (file != null) Files.deleteIfExists(file);
  }

  @Test
  void runtimeReaderHoldsOneBatchOfRowsAndOneRowGroupOfBytes() throws IOException {
    assertThat(fileSize).as("file size").isGreaterThan(1_000_000_000L);
    HomiRuntime rt = HomiRuntime.get();
    HomiConfig config = HomiConfig.from(Map.of(HomiConfig.BATCH_ROWS, String.valueOf(BATCH_ROWS)));
    BufferRegistry registry = rt.buffers();
    registry.resetPeak();
    long registeredBefore = registry.registeredBytes();
    long rows = 0;
    long idSum = 0;
    int batches = 0;
    int maxBatch = 0;
    long arrowPeak;
    try (BufferAllocator alloc =
            rt.allocator().newChildAllocator("memory-bound-it", 0, Long.MAX_VALUE);
        ParquetFileReader f = ParquetFileReader.open(rt, file, config);
        ParquetBatchReader r =
            new ParquetBatchReader(
                f,
                IntStream.range(0, f.rowGroupCount()).toArray(),
                f.schema().columns(),
                alloc,
                config.batchRows())) {
      int n;
      while ((n = r.next()) > 0) {
        batches++;
        maxBatch = Math.max(maxBatch, n);
        BigIntVector id = (BigIntVector) r.vectors().get(0);
        VarBinaryVector payload = (VarBinaryVector) r.vectors().get(1);
        for (int i = 0; i < n; i++) {
          assertThat(id.get(i))
              .isEqualTo(rows + i); // rows arrive in file order, none lost or repeated
          idSum += id.get(i);
        }
        assertThat(payload.getObject(n - 1)).hasSize(PAYLOAD);
        rows += n;
      }
      arrowPeak = alloc.getPeakMemoryAllocation();
    }
    long ioPeak = registry.peakRegisteredBytes() - registeredBefore;
    System.out.printf(
        "memory-bound: file %,d bytes, %d row groups of at most %,d bytes; %d batches of at most %d rows; "
            + "Arrow peak %,d bytes, registered I/O buffer peak %,d bytes%n",
        fileSize,
        (fileSize + ROW_GROUP - 1) / ROW_GROUP,
        largestRowGroup,
        batches,
        maxBatch,
        arrowPeak,
        ioPeak);
    assertThat(rows).isEqualTo(ROWS);
    assertThat(idSum).isEqualTo(ROWS * (ROWS - 1) / 2);
    assertThat(maxBatch).as("rows in the largest batch").isEqualTo(BATCH_ROWS);
    assertThat(batches).isGreaterThanOrEqualTo((int) (ROWS / BATCH_ROWS));
    // One batch of vectors: 1000 x (8 + 1000 + 8) bytes plus offsets and validity, with Arrow's
    // power-of-two rounding.
    assertThat(arrowPeak)
        .as("Arrow peak")
        .isPositive()
        .isLessThanOrEqualTo(4L * BATCH_ROWS * (PAYLOAD + 32))
        .isLessThan(fileSize / 100);
    // One row group's projected chunks (4 KiB-aligned) at a time, never the file.
    assertThat(ioPeak)
        .as("registered I/O buffer peak")
        .isGreaterThanOrEqualTo(largestRowGroup / 2)
        .isLessThanOrEqualTo(largestRowGroup + (1L << 20))
        .isLessThan(fileSize / 8);
  }

  @Test
  void sparkScanBatchesStayBoundedAndEqualParquet() {
    BufferRegistry registry = HomiRuntime.get().buffers();
    registry.resetPeak();
    long registeredBefore = registry.registeredBytes();
    int prefetch =
        1; // homi.prefetchRowGroups: row groups a task fetches ahead of the one it decodes (the
    // default)
    var df =
        spark
            .read()
            .format("homi")
            .option(HomiConfig.BATCH_ROWS, String.valueOf(BATCH_ROWS))
            .option("homi.prefetchRowGroups", prefetch)
            .load(file.toString());
    SparkPlan scan = df.queryExecution().executedPlan().collectLeaves().head();
    assertThat(scan.nodeName()).contains("BatchScan");
    // On the executor (this JVM: local[2]), per task: batches, rows, largest batch, and what the
    // runtime held while each batch was alive.
    List<long[]> perTask =
        scan.executeColumnar()
            .toJavaRDD()
            .mapPartitions(
                (Iterator<ColumnarBatch> it) -> {
                  long[] s = new long[5];
                  HomiRuntime rt = HomiRuntime.get();
                  while (it.hasNext()) {
                    int n = it.next().numRows();
                    s[0]++;
                    s[1] += n;
                    s[2] = Math.max(s[2], n);
                    s[3] = Math.max(s[3], rt.allocator().getAllocatedMemory());
                    s[4] = Math.max(s[4], rt.buffers().registeredBytes());
                  }
                  return List.of(s).iterator();
                })
            .collect();
    long ioPeak = registry.peakRegisteredBytes() - registeredBefore;
    long batches = perTask.stream().mapToLong(s -> s[0]).sum();
    long rows = perTask.stream().mapToLong(s -> s[1]).sum();
    long maxBatch = perTask.stream().mapToLong(s -> s[2]).max().orElse(0);
    long arrowHeld = perTask.stream().mapToLong(s -> s[3]).max().orElse(0);
    System.out.printf(
        "memory-bound (Spark, %d tasks): %d batches of at most %d rows; Arrow held at most %,d bytes while a batch "
            + "was alive, registered I/O buffer peak %,d bytes (file %,d)%n",
        perTask.size(), batches, maxBatch, arrowHeld, ioPeak, fileSize);
    assertThat(rows).isEqualTo(ROWS);
    assertThat(maxBatch).as("rows in the largest batch").isEqualTo(BATCH_ROWS);
    int tasksAtOnce = 2; // local[2]
    assertThat(arrowHeld)
        .as("Arrow memory held")
        .isPositive()
        .isLessThanOrEqualTo(tasksAtOnce * 4L * BATCH_ROWS * (PAYLOAD + 32));
    // Per task: the row group being decoded plus at most `prefetch` fetched ahead.
    assertThat(ioPeak)
        .as("registered I/O buffer peak")
        .isPositive()
        .isLessThanOrEqualTo(tasksAtOnce * (1L + prefetch) * (largestRowGroup + (1L << 20)))
        .isLessThan(fileSize / 3);

    String q = "SELECT count(*), sum(id), sum(crc32(payload)), sum(hash(x)) FROM %s";
    spark
        .read()
        .format("homi")
        .option(HomiConfig.BATCH_ROWS, String.valueOf(BATCH_ROWS))
        .load(file.toString())
        .createOrReplaceTempView("big_homi");
    spark.read().parquet(file.toString()).createOrReplaceTempView("big_parquet");
    List<Row> expected = spark.sql(String.format(q, "big_parquet")).collectAsList();
    assertThat(spark.sql(String.format(q, "big_homi")).collectAsList())
        .isEqualTo(new ArrayList<>(expected));
  }
}
