package io.homi.runtime.control;

import io.homi.runtime.os.FileIdentity;
import java.io.IOException;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Extent maps by file identity: a file mapped once is not mapped again while it is unchanged, and a
 * changed file has a new identity, so a stale map can never be found for it. Entries are dropped
 * with the grant that used them, which keeps the cache as small as the live grants.
 */
public final class ExtentCache {
  /** Builds a map on a miss. */
  @FunctionalInterface
  public interface Loader {
    ExtentMap load() throws IOException;
  }

  private final ConcurrentHashMap<FileIdentity, ExtentMap> maps = new ConcurrentHashMap<>();

  public ExtentMap get(FileIdentity id, Loader loader) throws IOException {
    ExtentMap m = maps.get(id);
    if (m != null) return m;
    m = loader.load();
    if (!m.identity().equals(id)) {
      throw new IOException("file " + m.path() + " changed while it was being mapped");
    }
    ExtentMap raced = maps.putIfAbsent(id, m);
    return raced != null ? raced : m;
  }

  public void drop(FileIdentity id) {
    maps.remove(id);
  }

  public boolean contains(FileIdentity id) {
    return maps.containsKey(id);
  }

  public int size() {
    return maps.size();
  }
}
