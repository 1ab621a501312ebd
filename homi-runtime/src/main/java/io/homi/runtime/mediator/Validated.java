package io.homi.runtime.mediator;

import io.homi.runtime.nvme.NvmeStatus;

/**
 * The outcome of validating one command: a refusal status, or for a valid read its namespace and
 * destination segments as {address, length} pairs (contiguous pieces already merged).
 */
record Validated(NvmeStatus status, Command command, Namespace ns, long[] segments) {
  static Validated refuse(Command c, NvmeStatus s) {
    return new Validated(s, c, null, null);
  }

  boolean ok() {
    return status == NvmeStatus.SUCCESS;
  }
}
