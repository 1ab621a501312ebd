package io.homi.runtime.mediator;

import io.homi.runtime.os.FileIdentity;
import io.homi.runtime.os.OpenFile;
import java.io.IOException;

/**
 * A file exposed to initiators as an NVMe namespace: LBA {@code i} is the file's bytes [i*LBA_SIZE,
 * (i+1)*LBA_SIZE), the tail past end-of-file reading as zeros. It carries the read-only grant: the
 * identity the file had when attached and its capacity. A revoked namespace refuses every command
 * with Access Denied.
 *
 * <p>4 KiB blocks keep every command aligned for O_DIRECT on 512-byte and 4K devices alike.
 */
public final class Namespace {
  public static final int LBA_SIZE = 4096;
  public static final int LBA_SHIFT = 12;

  private final int nsid;
  private final OpenFile file;
  private final FileIdentity grantedIdentity;
  private final long capacityLbas;
  private volatile String revokedReason;

  Namespace(int nsid, OpenFile file) {
    this.nsid = nsid;
    this.file = file;
    this.grantedIdentity = file.identity();
    this.capacityLbas = (grantedIdentity.size() + LBA_SIZE - 1) >>> LBA_SHIFT;
  }

  public int nsid() {
    return nsid;
  }

  public OpenFile file() {
    return file;
  }

  public String path() {
    return file.path();
  }

  /** Bytes the grant covers: the file's size when it was attached. */
  public long sizeBytes() {
    return grantedIdentity.size();
  }

  public long capacityLbas() {
    return capacityLbas;
  }

  public FileIdentity grantedIdentity() {
    return grantedIdentity;
  }

  public boolean isRevoked() {
    return revokedReason != null;
  }

  public String revokedReason() {
    return revokedReason;
  }

  /** Withdraws the grant: later commands are refused, in-flight ones complete as errors. */
  public void revoke(String reason) {
    if (revokedReason == null) revokedReason = reason;
  }

  /**
   * Re-reads the file's identity and revokes the grant if it changed (written, truncated,
   * replaced); returns the reason or null when unchanged.
   */
  public String checkUnchanged() {
    try {
      FileIdentity now = file.currentIdentity();
      if (!now.equals(grantedIdentity)) {
        revoke(
            "file changed since it was opened (size "
                + grantedIdentity.size()
                + " -> "
                + now.size()
                + ", mtime "
                + grantedIdentity.mtimeNanos()
                + " -> "
                + now.mtimeNanos()
                + ")");
      }
    } catch (IOException e) {
      revoke("file can no longer be checked: " + e.getMessage());
    }
    return revokedReason;
  }
}
