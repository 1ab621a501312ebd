package io.homi.runtime.gpu.decode;

import io.homi.runtime.parquet.HomiParquetException;

/**
 * A corrupt page found by a kernel: unchecked, carrying the CPU decoder's exception type as cause.
 */
public final class GpuDecodeException extends RuntimeException {
  public GpuDecodeException(HomiParquetException cause) {
    super(cause.getMessage(), cause);
  }
}
