package io.homi.runtime.gpu.decode;

import static org.assertj.core.api.Assertions.assertThat;

import io.homi.runtime.HomiRuntime;
import io.homi.runtime.gpu.GpuDevice;
import io.homi.runtime.gpu.GpuTests;
import java.nio.file.Path;
import java.util.List;
import org.apache.arrow.vector.FieldVector;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * GPU decode copied back equals the CPU decoder (the reference) on parquet-java files: every type,
 * nulls at several densities, small pages, several row groups, v1 and v2, dictionary and PLAIN,
 * SNAPPY on the GPU and on the host, GZIP on the host; and integer-stored kinds (decimals,
 * timestamps, INT8/16, DATE) as DELTA_BINARY_PACKED through ZSTD / LZ4_RAW / GZIP. Tagged {@code
 * gpu}: skipped without a GPU, saying why ({@link GpuTests}); run on the GPU machine by
 * scripts/device-gpu-tests.sh.
 */
@Tag("gpu")
class GpuDecodeEqualityTest {
  @TempDir Path dir;

  @ParameterizedTest(
      name = "{0} rows, nulls {1}, {2}, v2={3}, dict={4}, page {5}, hostDecompress={6}")
  @CsvSource({
    "1, 0.5, SNAPPY, false, true, 1024, false",
    "20000, 0.0, SNAPPY, false, true, 4096, false",
    "20000, 0.1, UNCOMPRESSED, false, false, 700, false",
    "20000, 0.5, SNAPPY, false, false, 333, true",
    "20000, 0.99, GZIP, false, true, 2048, false",
    "5000, 1.0, SNAPPY, false, true, 1024, false",
    "20000, 0.3, SNAPPY, true, true, 1500, false",
  })
  void gpuEqualsCpu(
      int rows,
      double nulls,
      CompressionCodecName codec,
      boolean v2,
      boolean dict,
      int page,
      boolean hostDecompress)
      throws Exception {
    GpuTests.assumeGpu();
    Path plain =
        DecodeTestFiles.write(
            dir.resolve("t.parquet"),
            rows,
            nulls,
            codec == CompressionCodecName.GZIP ? CompressionCodecName.SNAPPY : codec,
            v2,
            dict,
            page,
            32 * 1024,
            42,
            v2);
    Path f =
        codec == CompressionCodecName.GZIP
            ? DecodeTestFiles.write(
                dir.resolve("g.parquet"), rows, nulls, codec, v2, dict, page, 32 * 1024, 42, v2)
            : plain;
    try (GpuDevice gpu = GpuDevice.open(io.homi.runtime.gpu.GpuProbe.defaultOrdinal());
        GpuParquetReader r = new GpuParquetReader(gpu, 4);
        DeviceBatch b = r.read(f, null, false, hostDecompress, 1 << 20).batch()) {
      if (codec == CompressionCodecName.GZIP)
        assertThat(b.metrics().hostInflatedPages()).isPositive();
      if (codec == CompressionCodecName.SNAPPY && !hostDecompress)
        assertThat(b.metrics().gpuSnappyPages()).isPositive();
      List<FieldVector> v = b.toVectors(HomiRuntime.get().allocator());
      try {
        // the CPU decoder reads no GZIP: its snappy twin (same seed, same rows) is the reference
        assertThat(CpuReference.compare(plain, v)).isEmpty();
      } finally {
        v.forEach(FieldVector::close);
      }
    }
  }

  /**
   * DELTA_BINARY_PACKED (v2, no dictionary) and PLAIN / dictionary of decimals, timestamps,
   * INT8/16, through every codec.
   */
  @ParameterizedTest(name = "ints: {0} rows, nulls {1}, {2}, v2={3}, dict={4}, page {5}")
  @CsvSource({
    "1, 0.5, UNCOMPRESSED, true, false, 1024",
    "20000, 0.0, UNCOMPRESSED, true, false, 4096",
    "20000, 0.5, SNAPPY, true, false, 333",
    "20000, 0.1, ZSTD, true, false, 2048",
    "20000, 0.99, LZ4_RAW, true, false, 700",
    "5000, 1.0, ZSTD, true, false, 1024",
    "20000, 0.1, ZSTD, false, true, 2048",
    "20000, 0.1, GZIP, false, false, 1500",
  })
  void integerKindsAndDeltaEqualCpu(
      int rows, double nulls, CompressionCodecName codec, boolean v2, boolean dict, int page)
      throws Exception {
    GpuTests.assumeGpu();
    Path f =
        DecodeTestFiles.writeInts(dir.resolve("i.parquet"), rows, nulls, codec, v2, dict, page, 43);
    try (GpuDevice gpu = GpuDevice.open(io.homi.runtime.gpu.GpuProbe.defaultOrdinal());
        GpuParquetReader r = new GpuParquetReader(gpu, 4);
        DeviceBatch b = r.read(f, null, false, false, 1 << 20).batch()) {
      if (v2 && !dict && nulls < 1.0) assertThat(b.metrics().deltaPages()).isPositive();
      if (codec == CompressionCodecName.ZSTD && r.gpuZstd()) {
        // homi.gpuZstd: every ZSTD page decompressed by homi_dec_zstd, none on the host
        assertThat(b.metrics().gpuZstdPages()).isPositive();
        assertThat(b.metrics().hostInflatedPages()).isZero();
      } else if (codec != CompressionCodecName.UNCOMPRESSED
          && codec != CompressionCodecName.SNAPPY) {
        assertThat(b.metrics().hostInflatedPages()).isPositive();
      }
      List<FieldVector> v = b.toVectors(HomiRuntime.get().allocator());
      try {
        assertThat(CpuReference.compare(f, v)).isEmpty();
      } finally {
        v.forEach(FieldVector::close);
      }
    }
  }

  /**
   * DELTA_BYTE_ARRAY byte arrays (v2; with a dictionary, its fallback) and INT96 timestamps (PLAIN,
   * dictionary).
   */
  @ParameterizedTest(name = "strings: {0} rows, nulls {1}, {2}, v2={3}, dict={4}, page {5}")
  @CsvSource({
    "1, 0.0, UNCOMPRESSED, true, false, 1024",
    "20000, 0.0, UNCOMPRESSED, true, false, 4096",
    "20000, 0.3, SNAPPY, true, false, 333",
    "20000, 0.1, ZSTD, true, true, 2048",
    "5000, 1.0, LZ4_RAW, true, false, 700",
    "20000, 0.5, GZIP, false, true, 1500",
  })
  void deltaByteArrayAndInt96EqualCpu(
      int rows, double nulls, CompressionCodecName codec, boolean v2, boolean dict, int page)
      throws Exception {
    GpuTests.assumeGpu();
    Path f =
        DecodeTestFiles.writeStrings(
            dir.resolve("s.parquet"), rows, nulls, codec, v2, dict, page, 47);
    try (GpuDevice gpu = GpuDevice.open(io.homi.runtime.gpu.GpuProbe.defaultOrdinal());
        GpuParquetReader r = new GpuParquetReader(gpu, 4);
        DeviceBatch b = r.read(f, null, false, false, 1 << 20).batch()) {
      if (v2 && !dict) assertThat(b.metrics().deltaPages()).isPositive();
      List<FieldVector> v = b.toVectors(HomiRuntime.get().allocator());
      try {
        assertThat(CpuReference.compare(f, v)).isEmpty();
      } finally {
        v.forEach(FieldVector::close);
      }
    }
  }
}
