package io.homi.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.homi.runtime.HomiConfig;
import io.homi.runtime.HomiRuntime;
import io.homi.runtime.parquet.ParquetBatchReader;
import io.homi.runtime.parquet.ParquetFileReader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.IntStream;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Corrupt input through the runtime's decoder (no Spark needed; parquet-testing's bad_data is
 * compared with Spark in ConformanceIT): thousands of mutations (footer bytes, page header bytes,
 * lengths set to extremes, truncation) of valid files covering every encoding and codec. Each read
 * must either succeed or throw an IOException naming the file, within seconds, with Arrow memory
 * capped well below a corrupt length's reach (so an allocation driven by one fails the test rather
 * than passing silently).
 */
@Timeout(180)
class FuzzDecoderIT {
  private static final long BUDGET_NANOS = TimeUnit.SECONDS.toNanos(50);
  private static final int MAX_CASES = 4000;
  private static final List<String> SEEDS =
      List.of(
          "alltypes_plain.parquet",
          "alltypes_dictionary.parquet",
          "alltypes_plain.snappy.parquet",
          "delta_binary_packed.parquet",
          "delta_byte_array.parquet",
          "delta_length_byte_array.parquet",
          "delta_encoding_optional_column.parquet",
          "byte_stream_split.zstd.parquet",
          "int32_decimal.parquet",
          "fixed_length_decimal.parquet",
          "int96_from_spark.parquet",
          "lz4_raw_compressed.parquet",
          "hadoop_lz4_compressed.parquet",
          "concatenated_gzip_members.parquet",
          "rle_boolean_encoding.parquet",
          "datapage_v2_empty_datapage.snappy.parquet",
          "int32_with_null_pages.parquet");

  private static Path testing() {
    return ConformanceIT.dataDir();
  }

  @Test
  void mutatedFilesFailClearlyOrReadWithinBounds() throws Exception {
    Path data = testing().resolve("data");
    Assumptions.assumeTrue(
        Files.isDirectory(data), "parquet-testing is absent: fuzz seeds skipped");
    List<byte[]> seeds = new ArrayList<>();
    for (String s : SEEDS)
      if (Files.exists(data.resolve(s))) seeds.add(Files.readAllBytes(data.resolve(s)));
    assertThat(seeds).hasSizeGreaterThan(10);
    Path dir = Files.createDirectories(Path.of("target", "it-data", "fuzz").toAbsolutePath());
    Random r = new Random(20240601);
    long start = System.nanoTime();
    int cases = 0;
    int errors = 0;
    while (cases < MAX_CASES && System.nanoTime() - start < BUDGET_NANOS) {
      byte[] seed = seeds.get(r.nextInt(seeds.size()));
      byte[] m = mutate(seed, r);
      Path f = dir.resolve("case-" + cases + ".parquet");
      Files.write(f, m);
      try {
        String outcome = readOrError(f);
        if (outcome.startsWith("error:")) {
          errors++;
          assertThat(outcome).as("case %d", cases).contains(f.toString());
        }
      } finally {
        Files.deleteIfExists(f);
      }
      cases++;
    }
    System.out.printf(
        "fuzz: %d cases in %.1f s, %d clear errors, %d read%n",
        cases, (System.nanoTime() - start) / 1e9, errors, cases - errors);
    assertThat(cases).isGreaterThan(1000);
    assertThat(errors).isGreaterThan(cases / 4);
  }

  /**
   * One of: flip bytes in the footer, flip bytes anywhere, set a 4-byte int to an extreme,
   * truncate.
   */
  private static byte[] mutate(byte[] seed, Random r) {
    byte[] m = seed.clone();
    int footerLen = ByteBuffer.wrap(m).order(ByteOrder.LITTLE_ENDIAN).getInt(m.length - 8);
    int footerStart = Math.max(4, m.length - 8 - Math.max(0, Math.min(footerLen, m.length - 12)));
    switch (r.nextInt(5)) {
      case 0 ->
          IntStream.range(0, 1 + r.nextInt(4))
              .forEach(
                  i ->
                      m[footerStart + r.nextInt(m.length - 8 - footerStart)] ^=
                          (byte) (1 << r.nextInt(8)));
      case 1 ->
          IntStream.range(0, 1 + r.nextInt(8))
              .forEach(i -> m[4 + r.nextInt(m.length - 12)] = (byte) r.nextInt());
      case 2 -> {
        int[] extremes = {0, -1, Integer.MAX_VALUE, Integer.MIN_VALUE, 1 << 30, 7, 0x7f7f7f7f};
        int at = 4 + r.nextInt(m.length - 16);
        ByteBuffer.wrap(m)
            .order(ByteOrder.LITTLE_ENDIAN)
            .putInt(at, extremes[r.nextInt(extremes.length)]);
      }
      case 3 -> { // page headers sit right after the data starts: hit the first bytes of the chunks
        int at = 4 + r.nextInt(Math.min(64, m.length - 12));
        m[at] = (byte) r.nextInt();
      }
      default -> {
        byte[] cut = java.util.Arrays.copyOf(m, 8 + r.nextInt(m.length - 8));
        return cut;
      }
    }
    return m;
  }

  /**
   * "ok:ROWS" or "error:MESSAGE"; anything but an IOException, or more than 10 s, fails the test.
   */
  private static String readOrError(Path f) throws Exception {
    ExecutorService ex = Executors.newSingleThreadExecutor();
    try {
      Future<String> fut =
          ex.submit(
              () -> {
                try (BufferAllocator alloc = new RootAllocator(256L << 20);
                    ParquetFileReader file =
                        ParquetFileReader.open(HomiRuntime.get(), f, HomiConfig.from(Map.of()))) {
                  int[] groups = IntStream.range(0, file.rowGroupCount()).toArray();
                  long rows = 0;
                  try (ParquetBatchReader b =
                      new ParquetBatchReader(file, groups, file.schema().columns(), alloc, 4096)) {
                    for (int n; (n = b.next()) > 0; ) rows += n;
                  }
                  return "ok:" + rows;
                } catch (IOException e) {
                  return "error:" + e.getMessage();
                }
              });
      try {
        return fut.get(10, TimeUnit.SECONDS);
      } catch (TimeoutException e) {
        fut.cancel(true);
        throw new AssertionError("reading " + f + " hung for 10 s");
      }
    } finally {
      ex.shutdownNow();
    }
  }
}
