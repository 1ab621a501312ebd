package io.homi.runtime.control;

/**
 * What the I/O paths may do with a range of a file, decided per extent by {@link ExtentPolicy}.
 * Which paths that allows is the mediator's to say ({@code mediator.PathKind.eligibleFor}): the
 * control plane knows nothing of the paths above it.
 */
public enum ExtentUse {
  /** Bytes sit at a known device offset: any path, the device path by LBA through the grant. */
  DEVICE,
  /**
   * Reads as zeros (a hole, or an UNWRITTEN extent whose blocks hold stale bytes of whatever was
   * there before): the device path fills zeros and never reads the device.
   */
  ZEROS,
  /** Only the file system knows how to produce these bytes: read through the file (page cache). */
  OS_ONLY
}
