package io.homi.runtime.nvme;

import java.io.IOException;

/**
 * A command a real controller completed with an error status (NVMe passthrough): the mediator
 * completes the initiator's command with that status rather than a generic read error.
 */
public final class NvmeStatusException extends IOException {
  private final int field;

  /**
   * {@code field}: the 15-bit status field as the controller reported it (SC 7:0, SCT 10:8, CRD,
   * More, DNR).
   */
  public NvmeStatusException(String message, int field) {
    super(
        message
            + ": controller status 0x"
            + Integer.toHexString(field)
            + " "
            + NvmeStatus.fromField(field)
            + ((field & 0x7ff) != (NvmeStatus.fromField(field).field() & 0x7ff)
                ? " (not one HOMI names: reported as Internal Error)"
                : ""));
    this.field = field;
  }

  public int field() {
    return field;
  }

  /** The status the initiator's completion carries (the controller's, where HOMI names it). */
  public NvmeStatus status() {
    return NvmeStatus.fromField(field);
  }
}
