package io.homi.runtime.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.homi.runtime.HomiConfig;
import io.homi.runtime.HomiRuntime;
import io.homi.runtime.gpu.CudaDriver;
import io.homi.runtime.gpu.DeviceBuffer;
import io.homi.runtime.gpu.GpuDevice;
import io.homi.runtime.gpu.GpuProbe;
import io.homi.runtime.gpu.GpuTests;
import io.homi.runtime.gpu.decode.CpuReference;
import io.homi.runtime.gpu.decode.DeviceBatch;
import io.homi.runtime.gpu.decode.GpuParquetReader;
import io.homi.runtime.parquet.ColumnDescriptor;
import io.homi.runtime.parquet.ParquetBatchReader;
import io.homi.runtime.parquet.ParquetFileReader;
import io.homi.runtime.parquet.ParquetSchema;
import io.homi.runtime.parquet.UnsupportedParquetException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.apache.arrow.vector.FieldVector;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The GPU decoder over apache/parquet-testing's data/ (what {@code homi gpucheck-decode} proved by
 * hand, as tests): every file the CPU decoder reads is decoded on the GPU and must equal it (a file
 * with a column the kernels refuse is checked column by column); every file the CPU decoder rejects
 * must fail on the GPU too, naming the file; corrupt DELTA pages fail through the kernels' status
 * word; and decoding the corpus again and again leaves device memory where it was.
 */
@Tag("gpu")
class GpuCorpusTest {
  private static GpuDevice gpu;

  @BeforeAll
  static void open() {
    if (GpuProbe.probe().usable()) gpu = GpuDevice.open(GpuProbe.defaultOrdinal());
  }

  @AfterAll
  static void close() {
    if (gpu != null) gpu.close();
  }

  /**
   * parquet-testing's data/: -Dhomi.parquetTesting, else ../../shared (worktrees), else ../shared.
   */
  static Path dataDir() {
    String prop = System.getProperty("homi.parquetTesting");
    Path p =
        prop != null
            ? Path.of(prop)
            : Path.of("..", "..", "shared", "parquet-testing").toAbsolutePath().normalize();
    if (!Files.isDirectory(p.resolve("data")))
      p = Path.of("..", "shared", "parquet-testing").toAbsolutePath().normalize();
    return p.resolve("data");
  }

  private static List<Path> corpus() throws IOException {
    Path d = dataDir();
    assertThat(d).as("parquet-testing (set -Dhomi.parquetTesting=DIR)").isDirectory();
    try (Stream<Path> s = Files.list(d)) {
      return s.filter(p -> p.getFileName().toString().endsWith(".parquet")).sorted().toList();
    }
  }

  /** Why the CPU decoder cannot read all of {@code f}, or null when it reads every row. */
  private static String cpuRejects(Path f) {
    HomiRuntime rt = HomiRuntime.get();
    try (ParquetFileReader r = ParquetFileReader.open(rt, f, HomiConfig.defaults());
        ParquetBatchReader b =
            new ParquetBatchReader(
                r,
                IntStream.range(0, r.rowGroupCount()).toArray(),
                r.schema().columns(),
                rt.allocator(),
                64 * 1024)) {
      while (b.next() > 0) {} // every batch decoded
      return null;
    } catch (Exception e) {
      return String.valueOf(e.getMessage());
    }
  }

  private static List<String> columnNames(Path f) throws IOException {
    return ParquetSchema.of(GpuParquetReader.footer(f), f.toString()).columns().stream()
        .map(ColumnDescriptor::name)
        .toList();
  }

  /**
   * GPU decode of {@code cols} (null = all) compared with the CPU decoder; mismatches are added to
   * {@code bad}.
   */
  private static void compare(
      GpuParquetReader reader, Path f, List<String> cols, boolean hostSnappy, List<String> bad)
      throws IOException {
    try (DeviceBatch b = reader.read(f, cols, false, hostSnappy, 1 << 20).batch()) {
      List<FieldVector> v = b.toVectors(HomiRuntime.get().allocator());
      try {
        bad.addAll(CpuReference.compare(f, v, cols));
      } finally {
        v.forEach(FieldVector::close);
      }
    }
  }

  @Test
  void everyFileTheCpuDecoderReadsDecodesEquallyOnTheGpu() throws IOException {
    GpuTests.assumeGpu();
    List<String> bad = new ArrayList<>();
    List<String> whole = new ArrayList<>();
    List<String> partly = new ArrayList<>();
    List<String> refused = new ArrayList<>();
    try (GpuParquetReader reader = new GpuParquetReader(gpu, 4)) {
      for (Path f : corpus()) {
        if (cpuRejects(f) != null) continue; // the next test's files
        String name = f.getFileName().toString();
        try {
          compare(reader, f, null, false, bad);
          compare(reader, f, null, true, bad); // snappy pages inflated on the host, the other route
          whole.add(name);
        } catch (UnsupportedParquetException e) {
          int checked = 0;
          for (String col : columnNames(f)) {
            try {
              compare(reader, f, List.of(col), false, bad);
              checked++;
            } catch (UnsupportedParquetException ce) {
              // this column's type, nesting, encoding or codec is not the kernels': the CPU decodes
              // it in a scan
            }
          }
          (checked > 0 ? partly : refused)
              .add(name + (checked > 0 ? " (" + checked + " columns)" : ": " + e.getMessage()));
        } catch (RuntimeException | IOException e) {
          bad.add(name + ": GPU decode failed where the CPU decoder reads the file: " + e);
        }
      }
    }
    System.out.printf(
        "GPU corpus equality: %d files whole, %d column by column %s, %d refused %s; mismatches %d%n",
        whole.size(), partly.size(), partly, refused.size(), refused, bad.size());
    assertThat(bad).as("GPU decode vs CPU decoder").isEmpty();
    // parquet-testing's flat files of plain types (alltypes_*, datapage_v2, delta_*, lz4/zstd ...)
    // decode whole
    assertThat(whole)
        .as("files decoded whole on the GPU")
        .hasSizeGreaterThanOrEqualTo(10)
        .contains("alltypes_plain.parquet", "delta_binary_packed.parquet");
  }

  @Test
  void everyFileTheCpuDecoderRejectsFailsOnTheGpuNamingIt() throws IOException {
    GpuTests.assumeGpu();
    List<String> bad = new ArrayList<>();
    int rejected = 0;
    try (GpuParquetReader reader = new GpuParquetReader(gpu, 4)) {
      for (Path f : corpus()) {
        String cpu = cpuRejects(f);
        if (cpu == null) continue;
        rejected++;
        try (DeviceBatch b = reader.read(f, null, false, false, 1 << 20).batch()) {
          bad.add(
              f.getFileName()
                  + ": decoded on the GPU ("
                  + b.rows()
                  + " rows) but the CPU decoder rejects it: "
                  + cpu);
        } catch (IOException | RuntimeException e) {
          String m = String.valueOf(e.getMessage());
          if (!m.contains(f.getFileName().toString()))
            bad.add(f.getFileName() + ": the GPU error does not name the file: " + m);
        }
      }
    }
    System.out.printf(
        "GPU corpus rejects: %d files the CPU decoder rejects, %d problems%n",
        rejected, bad.size());
    assertThat(bad).isEmpty();
  }

  @Test
  void corruptDeltaPagesFailThroughTheKernelsStatusWord(@TempDir Path tmp) throws IOException {
    GpuTests.assumeGpu();
    try (GpuParquetReader reader = new GpuParquetReader(gpu, 4)) {
      List<String> lines = DeltaCorruptionCheck.run(reader, dataDir(), tmp);
      lines.forEach(System.out::println);
      assertThat(lines).hasSize(3).allSatisfy(l -> assertThat(l).startsWith("ok "));
    }
  }

  /**
   * Decoding the corpus four times leaves device memory where it was after the first pass: HOMI's
   * own count of live device buffers exactly, cuMemGetInfo's free bytes within 2 MiB (the driver's
   * allocation granularity for small buffers; the first pass absorbs one-time costs such as loading
   * the kernel module and growing the primary context's heaps).
   */
  @Test
  void decodingReleasesItsDeviceMemory() throws IOException {
    GpuTests.assumeGpu();
    List<Path> files = corpus().stream().filter(f -> cpuRejects(f) == null).toList();
    long liveBefore = -1;
    long freeBefore = -1;
    for (int pass = 0; pass < 4; pass++) {
      try (GpuParquetReader reader = new GpuParquetReader(gpu, 4)) {
        for (Path f : files) {
          try (DeviceBatch b = reader.read(f, null, false, false, 1 << 20).batch()) {
            assertThat(b.rows()).isNotNegative();
          } catch (UnsupportedParquetException e) {
            // refused before or during decode: what it allocated must be gone as well
          }
        }
      }
      gpu.bind();
      CudaDriver.synchronize();
      long live = DeviceBuffer.liveBytes();
      long free = CudaDriver.memInfo()[0];
      System.out.printf(
          "GPU memory after pass %d: %d bytes free, %d bytes in live DeviceBuffers%n",
          pass, free, live);
      if (pass == 0) {
        liveBefore = live;
        freeBefore = free;
      } else {
        assertThat(live).as("live DeviceBuffer bytes after pass " + pass).isEqualTo(liveBefore);
        assertThat(free)
            .as("cuMemGetInfo free bytes after pass " + pass)
            .isBetween(freeBefore - (2L << 20), freeBefore + (2L << 20));
      }
    }
  }
}
