package io.homi.runtime.mediator;

import io.homi.runtime.os.ErrnoException;
import io.homi.runtime.os.HostBuffer;
import io.homi.runtime.os.Libc;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Which pages of a namespace the page cache holds, asked of {@code mincore(2)} over a read-only
 * mapping of the file kept per namespace (the {@code capacity} most recent ones). Asking starts no
 * I/O and no readahead, unlike a {@code preadv2(RWF_NOWAIT)} probe, whose miss starts readahead
 * that then races an O_DIRECT read of the same range; and there is no mmap/munmap (TLB shootdowns)
 * per question. Thread-safe. The answer is advice for choosing a path, never a guarantee: pages may
 * be evicted right after, and a mapping evicted while another thread asks makes that question fail
 * ({@link #UNKNOWN}) or answer for other pages; only the path choice suffers, never the data. A
 * mapping holds its file open: mappings of namespaces revoked (or detached) since are dropped
 * whenever a new file is mapped, and all of them on {@link #close}.
 */
public final class PageResidency implements AutoCloseable {
  /** The question could not be asked (file cannot be mapped, mincore failed). */
  public static final long UNKNOWN = -1;

  private static final long PAGE = 4096;

  /** mincore vector per thread: one byte per page, asked 4 MiB at a time. */
  private static final int VEC_PAGES = 1024;

  private static final ThreadLocal<HostBuffer> VEC =
      ThreadLocal.withInitial(() -> new HostBuffer(VEC_PAGES));

  private final Map<Namespace, long[]> mappings;
  private boolean closed;

  public PageResidency() {
    this(64);
  }

  public PageResidency(int capacity) {
    this.mappings =
        new LinkedHashMap<>(16, 0.75f, true) {
          @Override
          protected boolean removeEldestEntry(Map.Entry<Namespace, long[]> eldest) {
            if (size() <= capacity) return false;
            unmap(eldest.getValue());
            return true;
          }
        };
  }

  /**
   * How many bytes from {@code off} on (at most {@code len}, clipped at end of file) lie in pages
   * the page cache holds, counting whole pages until the first one it does not; {@link #UNKNOWN}
   * when the question cannot be asked. A range wholly past end of file counts as resident.
   */
  public long residentPrefix(Namespace ns, long off, long len) {
    long end = Math.min(off + len, ns.sizeBytes());
    if (end <= off) return Math.max(0, len);
    long[] m = mapping(ns);
    if (m[0] <= 0) return UNKNOWN;
    long pageEnd = Math.min((end + PAGE - 1) & -PAGE, m[1]);
    HostBuffer vec = VEC.get();
    long vecAddr = vec.address();
    long at = off & -PAGE;
    while (at < pageEnd) {
      long chunk = Math.min(pageEnd - at, VEC_PAGES * PAGE);
      try {
        Libc.mincore(m[0] + at, chunk, vecAddr);
      } catch (ErrnoException e) {
        return UNKNOWN;
      }
      int pages = (int) (chunk / PAGE);
      for (int p = 0; p < pages; p++) {
        if ((vec.getByte(p) & 1) == 0) return Math.max(0, Math.min(len, at + p * PAGE - off));
      }
      at += chunk;
    }
    return len; // every page up to end of file is resident; the rest is past EOF
  }

  /**
   * Whether every page of [off, off+len) (clipped at end of file) is resident; false when unknown.
   */
  public boolean resident(Namespace ns, long off, long len) {
    return residentPrefix(ns, off, len) >= len;
  }

  /** How many files are mapped now (tests). */
  int mapped() {
    synchronized (mappings) {
      return mappings.size();
    }
  }

  /** Drops the mapping of {@code ns} (when its namespace is detached or its file closed). */
  public void forget(Namespace ns) {
    synchronized (mappings) {
      long[] m = mappings.remove(ns);
      if (m != null) unmap(m);
    }
  }

  /** {address, length} of the namespace's read-only mapping ({-1, 0} when it cannot be mapped). */
  private long[] mapping(Namespace ns) {
    synchronized (mappings) {
      long[] m = mappings.get(ns);
      if (m != null) return m;
      if (closed) return new long[] {-1, 0};
      // A mapping keeps its file's inode (and a deleted file's blocks) alive: drop those of
      // namespaces detached or revoked since, whenever a new one is mapped.
      mappings
          .entrySet()
          .removeIf(
              e -> {
                if (!e.getKey().isRevoked()) return false;
                unmap(e.getValue());
                return true;
              });
      long len = (ns.sizeBytes() + PAGE - 1) & -PAGE;
      long addr = -1;
      if (len > 0 && !ns.isRevoked()) {
        try {
          addr = Libc.mmap(0, len, Libc.PROT_READ, Libc.MAP_SHARED, ns.file().fd(), 0);
        } catch (ErrnoException e) {
          addr = -1;
        }
      }
      m = new long[] {addr, addr == -1 ? 0 : len};
      mappings.put(ns, m);
      return m;
    }
  }

  private static void unmap(long[] m) {
    if (m[0] > 0) {
      try {
        Libc.munmap(m[0], m[1]);
      } catch (ErrnoException ignored) {
        // nothing to do: the mapping is gone either way
      }
    }
  }

  @Override
  public void close() {
    synchronized (mappings) {
      closed = true;
      for (long[] m : mappings.values()) unmap(m);
      mappings.clear();
    }
  }
}
