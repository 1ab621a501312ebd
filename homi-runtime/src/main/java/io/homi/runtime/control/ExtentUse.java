package io.homi.runtime.control;

import io.homi.runtime.mediator.PathKind;
import java.util.EnumSet;
import java.util.Set;

/** What the I/O paths may do with a range of a file, decided per extent by {@link ExtentPolicy}. */
public enum ExtentUse {
  /** Bytes sit at a known device offset: any path, the device path by LBA through the grant. */
  DEVICE(EnumSet.of(PathKind.OS, PathKind.DIRECT, PathKind.DEVICE, PathKind.GPU)),
  /**
   * Reads as zeros (a hole, or an UNWRITTEN extent whose blocks hold stale bytes of whatever was
   * there before): the device path fills zeros and never reads the device.
   */
  ZEROS(EnumSet.of(PathKind.OS, PathKind.DIRECT, PathKind.DEVICE, PathKind.GPU)),
  /** Only the file system knows how to produce these bytes: read through the file (page cache). */
  OS_ONLY(EnumSet.of(PathKind.OS));

  private final Set<PathKind> paths;

  ExtentUse(Set<PathKind> paths) {
    this.paths = paths;
  }

  public Set<PathKind> eligiblePaths() {
    return paths;
  }

  public boolean allows(PathKind kind) {
    return paths.contains(kind);
  }
}
