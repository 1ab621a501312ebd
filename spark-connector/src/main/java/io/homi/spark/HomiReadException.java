package io.homi.spark;

import java.io.IOException;

/**
 * A failed HOMI read surfaced to Spark with the runtime's message (file, offset, what is wrong).
 */
final class HomiReadException extends RuntimeException {
  HomiReadException(IOException cause) {
    super(cause.getMessage(), cause);
  }
}
