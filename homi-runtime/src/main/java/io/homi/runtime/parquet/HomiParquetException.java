package io.homi.runtime.parquet;

import java.io.IOException;

/** A Parquet file HOMI cannot read; the message always names the file. */
public class HomiParquetException extends IOException {
  public HomiParquetException(String message) {
    super(message);
  }

  public HomiParquetException(String message, Throwable cause) {
    super(message, cause);
  }
}
