package io.homi.runtime.mediator;

import io.homi.runtime.control.ExtentUse;
import java.util.EnumSet;
import java.util.Set;

/** The I/O paths a command can be served by; every byte moved is counted against one. */
public enum PathKind {
  /** Buffered pread through the page cache. */
  OS,
  /** O_DIRECT reads on the file, aligned, many in flight. */
  DIRECT,
  /** O_DIRECT reads on the block device by LBA, through the file's grant. */
  DEVICE,
  /**
   * NVMe Read commands on the controller by LBA (io_uring URING_CMD on /dev/ngXnY), through the
   * file's grant.
   */
  PASSTHROUGH,
  /**
   * NVMe Read commands on an SR-IOV virtual function driven from user space (VFIO), through the
   * file's grant.
   */
  VF,
  /** Into GPU memory (cuFile or a pinned staging pipeline). */
  GPU;

  public String label() {
    return name().toLowerCase();
  }

  /**
   * The paths that may serve an extent of this use: every path by device offset or as zeros, else
   * the OS path.
   */
  public static Set<PathKind> eligibleFor(ExtentUse use) {
    return switch (use) {
      case DEVICE, ZEROS -> EnumSet.of(OS, DIRECT, DEVICE, GPU);
      case OS_ONLY -> EnumSet.of(OS);
    };
  }
}
