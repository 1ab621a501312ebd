package io.homi.spark;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.NoSuchFileException;
import org.apache.spark.sql.internal.SQLConf;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;

/**
 * Spark's file-source rules for files that vanish or cannot be read, resolved on the driver as
 * {@code format("parquet")} resolves them: the read options {@code ignoreMissingFiles} and {@code
 * ignoreCorruptFiles}, else the session's {@code spark.sql.files.*} settings.
 */
record FileErrors(boolean ignoreMissing, boolean ignoreCorrupt) implements Serializable {
  static FileErrors from(CaseInsensitiveStringMap options) {
    SQLConf conf = SQLConf.get();
    boolean missing =
        options.containsKey("ignoreMissingFiles")
            ? options.getBoolean("ignoreMissingFiles", false)
            : conf.ignoreMissingFiles();
    boolean corrupt =
        options.containsKey("ignoreCorruptFiles")
            ? options.getBoolean("ignoreCorruptFiles", false)
            : conf.ignoreCorruptFiles();
    return new FileErrors(missing, corrupt);
  }

  /** Whether a failure to open or read a file is one Spark would skip the file's rest for. */
  boolean skips(Throwable e) {
    if (ignoreMissing && missing(e)) return true;
    return ignoreCorrupt
        && (e instanceof RuntimeException || e instanceof IOException)
        && !missing(e);
  }

  static boolean missing(Throwable e) {
    for (Throwable c = e; c != null; c = c.getCause()) {
      if (c instanceof FileNotFoundException || c instanceof NoSuchFileException) return true;
    }
    return false;
  }
}
