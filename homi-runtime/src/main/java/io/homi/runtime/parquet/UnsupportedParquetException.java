package io.homi.runtime.parquet;

/** A valid file using something this reader does not decode yet: "unsupported: WHAT in FILE". */
public final class UnsupportedParquetException extends HomiParquetException {
  public UnsupportedParquetException(String what, String file) {
    super("unsupported: " + what + " in " + file);
  }
}
