package io.homi.runtime.gpu.decode;

import java.util.Map;
import org.apache.parquet.format.CompressionCodec;

/**
 * What one GPU decode did and where its time went. {@code hostInflatedPages} > 0 means a codec the
 * GPU does not decompress (GZIP, ZSTD, LZ4_RAW, LZ4, or SNAPPY with hostDecompress) went through
 * the CPU; {@code hostInflatedByCodec} says which; {@code deltaPages} were DELTA_BINARY_PACKED
 * pages decoded by the delta kernel; {@code gpuZstdPages} ZSTD pages the GPU decompressed ({@code
 * homi.gpuZstd}).
 */
public record DecodeMetrics(
    int pages,
    int gpuSnappyPages,
    int hostInflatedPages,
    long hostInflatedBytes,
    long storedBytes,
    long arrowBytes,
    long pageTableNanos,
    long decodeNanos,
    Map<CompressionCodec, Integer> hostInflatedByCodec,
    int deltaPages,
    int gpuZstdPages) {
  /** Without the per-codec counts (no pages went through the host). */
  public DecodeMetrics(
      int pages,
      int gpuSnappyPages,
      int hostInflatedPages,
      long hostInflatedBytes,
      long storedBytes,
      long arrowBytes,
      long pageTableNanos,
      long decodeNanos) {
    this(
        pages,
        gpuSnappyPages,
        hostInflatedPages,
        hostInflatedBytes,
        storedBytes,
        arrowBytes,
        pageTableNanos,
        decodeNanos,
        Map.of(),
        0,
        0);
  }

  public String describe() {
    return pages
        + " pages ("
        + gpuSnappyPages
        + " snappy on the GPU, "
        + gpuZstdPages
        + " zstd on the GPU, "
        + hostInflatedPages
        + " decompressed on the CPU"
        + (hostInflatedByCodec.isEmpty() ? "" : " " + hostInflatedByCodec)
        + ", "
        + deltaPages
        + " DELTA_BINARY_PACKED), "
        + storedBytes
        + " stored bytes -> "
        + arrowBytes
        + " Arrow bytes";
  }
}
