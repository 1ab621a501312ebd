package io.homi.runtime.io;

import io.homi.runtime.nvme.NvmeStatus;
import java.io.IOException;

/** A read that completed with an error status; names the file, the byte range and the status. */
public final class HomiIoException extends IOException {
  private final NvmeStatus status;

  public HomiIoException(String file, long offset, long length, NvmeStatus status, String detail) {
    super(
        "read of "
            + file
            + " at offset "
            + offset
            + " ("
            + length
            + " bytes) failed: "
            + status
            + (detail == null ? "" : ": " + detail));
    this.status = status;
  }

  public HomiIoException(String message) {
    super(message);
    this.status = NvmeStatus.INTERNAL_ERROR;
  }

  private HomiIoException(String message, NvmeStatus status, HomiIoException cause) {
    super(message, cause);
    this.status = status;
  }

  /** The same failure (and status) with where it happened in the file added, e.g. the row group. */
  public HomiIoException in(String where) {
    return new HomiIoException(getMessage() + " (" + where + ")", status, this);
  }

  public NvmeStatus status() {
    return status;
  }
}
