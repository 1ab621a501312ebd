package io.homi.runtime.mediator;

import io.homi.runtime.nvme.NvmeStatus;

/**
 * The outcome of validating one command: a refusal status, or for a valid read its namespace and
 * destination segments as {address, length} pairs (contiguous pieces already merged), and whether
 * they are device memory ({@link BufferRegistry.Kind#DEVICE}: host code must not touch them).
 */
record Validated(
    NvmeStatus status, Command command, Namespace ns, long[] segments, boolean device) {
  static Validated refuse(Command c, NvmeStatus s) {
    return new Validated(s, c, null, null, false);
  }

  boolean ok() {
    return status == NvmeStatus.SUCCESS;
  }
}
