package io.homi.runtime.parquet;

import io.homi.runtime.os.FileIdentity;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.parquet.format.FileMetaData;

/**
 * Parsed footers of the files this JVM has opened, so that a file planned on the driver and read on
 * an executor of the same JVM (local mode, or many tasks over one file) has its footer read and
 * parsed once. An entry is used only while the file's identity (device, inode, size, mtime, ctime,
 * taken with statx on the descriptor just opened) is the one it was read under: a file rewritten
 * under the same path misses and replaces its entry, so a stale footer is never used. Bounded by
 * files and by column chunks (the bulk of a parsed footer), least recently used first out. Cached
 * metadata is shared between readers and threads and must not be modified.
 */
public final class FooterCache {

  /** A footer as the reader uses it: the Thrift metadata and the schema mapped from it. */
  public record Footer(FileMetaData metadata, ParquetSchema schema) {
    long weight() {
      return 1L + (long) metadata.getRow_groupsSize() * Math.max(1, schema.leafCount());
    }
  }

  private record Entry(FileIdentity identity, Footer footer, long weight) {}

  private final int maxFiles;
  private final long maxChunks;
  private final LinkedHashMap<String, Entry> byPath = new LinkedHashMap<>(16, 0.75f, true);
  private long weight;
  private long hits;
  private long misses;

  /**
   * Bounded by files (0: caches nothing) and by row groups x columns over all entries ({@code
   * homi.footerCache*}).
   */
  public FooterCache(int maxFiles, long maxChunks) {
    this.maxFiles = maxFiles;
    this.maxChunks = maxChunks;
  }

  /** The footer of {@code path} if it was cached under exactly {@code identity}, else null. */
  public synchronized Footer get(String path, FileIdentity identity) {
    Entry e = byPath.get(path);
    if (e != null && e.identity().equals(identity)) {
      hits++;
      return e.footer();
    }
    if (e != null) remove(path); // the file changed: its old footer can never be used again
    misses++;
    return null;
  }

  /** Remembers the footer read from {@code path} while it had {@code identity}. */
  public synchronized void put(String path, FileIdentity identity, Footer footer) {
    long w = footer.weight();
    if (maxFiles <= 0 || w > maxChunks) return;
    remove(path);
    byPath.put(path, new Entry(identity, footer, w));
    weight += w;
    Iterator<Map.Entry<String, Entry>> eldest = byPath.entrySet().iterator();
    while ((byPath.size() > maxFiles || weight > maxChunks) && eldest.hasNext()) {
      weight -= eldest.next().getValue().weight();
      eldest.remove();
    }
  }

  private void remove(String path) {
    Entry old = byPath.remove(path);
    if (old != null) weight -= old.weight();
  }

  public synchronized int size() {
    return byPath.size();
  }

  public synchronized long hits() {
    return hits;
  }

  public synchronized long misses() {
    return misses;
  }

  public synchronized void clear() {
    byPath.clear();
    weight = 0;
  }
}
