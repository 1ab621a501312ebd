package io.homi.runtime.parquet;

/** Bad input: the message names the file and the field or offset that is wrong. */
public final class CorruptParquetException extends HomiParquetException {
  public CorruptParquetException(String file, String what) {
    super("corrupt Parquet file " + file + ": " + what);
  }

  public CorruptParquetException(String file, String what, Throwable cause) {
    super("corrupt Parquet file " + file + ": " + what, cause);
  }
}
