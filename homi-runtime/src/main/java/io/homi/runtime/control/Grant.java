package io.homi.runtime.control;

import io.homi.runtime.os.FileIdentity;
import io.homi.runtime.os.OpenFile;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * A read-only capability: the identity a file had when mapped plus the device LBA ranges its DEVICE
 * extents occupy. A device-level read is allowed only while the grant stands and only inside those
 * ranges. Revocation is one-way and tells every listener once, so a mediator namespace ({@code
 * grant.onRevoke(ns::revoke)}), the extent cache and the watcher all let go together.
 */
public final class Grant {
  private final ExtentMap map;
  private final List<LbaRange> ranges;
  private final long[] starts;
  private final CopyOnWriteArrayList<Consumer<String>> listeners = new CopyOnWriteArrayList<>();
  private volatile String revokedReason;

  private Grant(ExtentMap map) {
    this.map = map;
    this.ranges = map.lbaRanges();
    this.starts = ranges.stream().mapToLong(LbaRange::start).toArray();
  }

  public static Grant issue(ExtentMap map) {
    return new Grant(map);
  }

  public FileIdentity identity() {
    return map.identity();
  }

  public ExtentMap extentMap() {
    return map;
  }

  public BlockDevice device() {
    return map.device();
  }

  public List<LbaRange> ranges() {
    return ranges;
  }

  /** True when the grant stands and [lba, lba+count) lies inside one granted range. */
  public boolean allows(long lba, long count) {
    if (revokedReason != null || lba < 0 || count <= 0 || lba + count < lba) return false;
    int i = java.util.Arrays.binarySearch(starts, lba);
    if (i < 0) i = -i - 2; // the range starting at or before lba
    return i >= 0 && lba + count <= ranges.get(i).end();
  }

  public boolean isRevoked() {
    return revokedReason != null;
  }

  public String revokedReason() {
    return revokedReason;
  }

  /** Runs {@code listener} with the reason when revoked (at once if already revoked). */
  public void onRevoke(Consumer<String> listener) {
    listeners.add(listener);
    String r = revokedReason;
    if (r != null && listeners.remove(listener)) listener.accept(r);
  }

  /** Withdraws the grant; the first reason wins and each listener runs exactly once. */
  public void revoke(String reason) {
    synchronized (this) {
      if (revokedReason != null) return;
      revokedReason = reason;
    }
    for (Consumer<String> l : listeners) {
      if (listeners.remove(l)) l.accept(reason);
    }
  }

  /**
   * The identity re-check that closes the FIEMAP race: called after every device read, it revokes
   * when the file's size, mtime or ctime moved since mapping. Returns the revocation reason or null
   * while the grant stands.
   */
  public String recheck(OpenFile file) {
    try {
      FileIdentity now = file.currentIdentity();
      FileIdentity was = map.identity();
      if (!now.equals(was)) {
        revoke(
            "file "
                + file.path()
                + " changed since its extents were mapped (size "
                + was.size()
                + " -> "
                + now.size()
                + ", mtime "
                + was.mtimeNanos()
                + " -> "
                + now.mtimeNanos()
                + ", ctime "
                + was.ctimeNanos()
                + " -> "
                + now.ctimeNanos()
                + ")");
      }
    } catch (IOException e) {
      revoke("file " + file.path() + " can no longer be checked: " + e.getMessage());
    }
    return revokedReason;
  }
}
