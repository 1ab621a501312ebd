package io.homi.runtime.gpu.decode;

/**
 * What one GPU decode did and where its time went. {@code hostInflatedPages} > 0 means a codec
 * the GPU does not decompress (GZIP, or SNAPPY with hostDecompress) went through the CPU.
 */
public record DecodeMetrics(int pages, int gpuSnappyPages, int hostInflatedPages, long hostInflatedBytes,
                            long storedBytes, long arrowBytes, long pageTableNanos, long decodeNanos) {
  public String describe() {
    return pages + " pages (" + gpuSnappyPages + " snappy on the GPU, " + hostInflatedPages
        + " decompressed on the CPU), " + storedBytes + " stored bytes -> " + arrowBytes + " Arrow bytes";
  }
}
