package io.homi.runtime.control;

import io.homi.runtime.os.FileIdentity;
import io.homi.runtime.os.OpenFile;
import java.io.IOException;

/**
 * The host-resident control plane in one place: maps a file (cached by identity), issues its grant,
 * watches the file and ties everything to the grant's lifetime, so that revocation drops the cached
 * map and the watch. Callers add their own listener, e.g. the mediator's {@code
 * grant.onRevoke(namespace::revoke)}.
 */
public final class ControlPlane implements AutoCloseable {
  private final ExtentCache cache = new ExtentCache();
  private final FileWatcher watcher;
  private final String watcherReason;

  public ControlPlane() {
    FileWatcher w = null;
    String reason = null;
    try {
      w = new FileWatcher();
    } catch (IOException e) {
      reason = e.getMessage(); // identity re-checks after reads still guard every grant
    }
    watcher = w;
    watcherReason = reason;
  }

  public ExtentCache cache() {
    return cache;
  }

  /** Why files are not watched (identity re-checks only), or null. */
  public String watcherReason() {
    return watcherReason;
  }

  /** Maps {@code file} (flushing it first), grants its device ranges and starts watching it. */
  public Grant grant(OpenFile file) throws IOException {
    FileIdentity id = file.identity();
    ExtentMap map = cache.get(id, () -> ExtentMapper.map(file, true));
    Grant g = Grant.issue(map);
    g.onRevoke(reason -> cache.drop(id));
    if (watcher != null) watcher.watch(file, g);
    // inotify only sees changes after the watch is in place: a change between open and now is
    // caught here, so a grant is never handed out for a map that is already stale.
    String changed = g.recheck(file);
    if (changed != null) throw new IOException(changed);
    return g;
  }

  @Override
  public void close() {
    if (watcher != null) watcher.close();
  }
}
