package io.homi.runtime.control;

import io.homi.runtime.os.ErrnoException;
import io.homi.runtime.os.HostBuffer;
import io.homi.runtime.os.Libc;
import io.homi.runtime.os.OpenFile;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Revokes grants when their files change, through one inotify instance and one daemon thread.
 * Watches are added on {@code /proc/self/fd/N}, which resolves to the inode actually open (not
 * whatever the path names now), so a file replaced by rename between open and watch cannot slip
 * through. inotify is asynchronous: it narrows the window in which a changed file is still read,
 * and {@link Grant#recheck} after each read closes it.
 */
public final class FileWatcher implements AutoCloseable {
  static final int IN_MODIFY = 0x2;
  static final int IN_ATTRIB = 0x4;
  static final int IN_CLOSE_WRITE = 0x8;
  static final int IN_DELETE_SELF = 0x400;
  static final int IN_MOVE_SELF = 0x800;
  static final int IN_Q_OVERFLOW = 0x4000;
  static final int IN_IGNORED = 0x8000;

  /** Every event that can mean the bytes or their location changed (ATTRIB: truncate, unlink). */
  static final int MASK = IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_DELETE_SELF | IN_MOVE_SELF;

  private static final int POLL_MS = 100;

  private final int fd;
  private final Map<Integer, List<Grant>> byWd = new HashMap<>();
  private final Map<Integer, String> paths = new HashMap<>();
  private final Thread thread;
  private volatile boolean running = true;

  public FileWatcher() throws IOException {
    try {
      fd = Libc.inotify_init1(Libc.IN_NONBLOCK | Libc.IN_CLOEXEC);
    } catch (ErrnoException e) {
      throw new IOException("inotify_init1: " + Libc.strerror(e.errno()), e);
    }
    thread = new Thread(this::loop, "homi-inotify");
    thread.setDaemon(true);
    thread.start();
  }

  /** Revokes {@code grant} on the first change to {@code file}; the watch goes with the grant. */
  public void watch(OpenFile file, Grant grant) throws IOException {
    int wd;
    synchronized (this) {
      try {
        wd = Libc.inotify_add_watch(fd, "/proc/self/fd/" + file.fd(), MASK);
      } catch (ErrnoException e) {
        throw new IOException(
            "inotify_add_watch " + file.path() + ": " + Libc.strerror(e.errno()), e);
      }
      byWd.computeIfAbsent(wd, k -> new ArrayList<>()).add(grant);
      paths.put(wd, file.path());
    }
    grant.onRevoke(reason -> unwatch(wd, grant));
  }

  private synchronized void unwatch(int wd, Grant grant) {
    List<Grant> gs = byWd.get(wd);
    if (gs == null || !gs.remove(grant) || !gs.isEmpty()) return;
    byWd.remove(wd);
    paths.remove(wd);
    try {
      Libc.inotify_rm_watch(fd, wd);
    } catch (ErrnoException ignored) {
      // already gone (IN_IGNORED raced us): nothing to release
    }
  }

  /** Grants currently watched, for tests and doctor output. */
  public synchronized int watchedGrants() {
    return byWd.values().stream().mapToInt(List::size).sum();
  }

  private void loop() {
    try (HostBuffer pfd = new HostBuffer(8);
        HostBuffer buf = new HostBuffer(16 * 1024)) {
      while (running) {
        pfd.putInt(0, fd);
        pfd.putShort(4, (short) Libc.POLLIN);
        pfd.putShort(6, (short) 0);
        try {
          if (Libc.poll(pfd.address(), 1, POLL_MS) <= 0) continue;
          long n = Libc.read(fd, buf.address(), buf.capacity());
          dispatch(buf, n);
        } catch (ErrnoException e) {
          if (e.errno() != Libc.EINTR && e.errno() != Libc.EAGAIN)
            revokeAll("inotify failed: " + Libc.strerror(e.errno()));
        }
      }
    }
  }

  private void dispatch(HostBuffer buf, long n) {
    for (long off = 0; off + 16 <= n; ) {
      int wd = buf.getInt(off);
      int mask = buf.getInt(off + 4);
      int len = buf.getInt(off + 12);
      off += 16 + len;
      if ((mask & IN_Q_OVERFLOW) != 0) {
        revokeAll("inotify queue overflowed: changes may have been missed");
        continue;
      }
      List<Grant> gs;
      String path;
      synchronized (this) {
        List<Grant> live = byWd.get(wd);
        gs = live == null ? List.of() : List.copyOf(live);
        path = paths.get(wd);
      }
      String reason = "inotify " + describe(mask) + " on " + path;
      for (Grant g : gs) g.revoke(reason); // listeners unwatch
    }
  }

  private void revokeAll(String reason) {
    List<Grant> all = new ArrayList<>();
    synchronized (this) {
      byWd.values().forEach(all::addAll);
    }
    for (Grant g : all) g.revoke(reason);
  }

  static String describe(int mask) {
    List<String> s = new ArrayList<>();
    if ((mask & IN_MODIFY) != 0) s.add("IN_MODIFY");
    if ((mask & IN_ATTRIB) != 0) s.add("IN_ATTRIB");
    if ((mask & IN_CLOSE_WRITE) != 0) s.add("IN_CLOSE_WRITE");
    if ((mask & IN_DELETE_SELF) != 0) s.add("IN_DELETE_SELF");
    if ((mask & IN_MOVE_SELF) != 0) s.add("IN_MOVE_SELF");
    if ((mask & IN_IGNORED) != 0) s.add("IN_IGNORED");
    return s.isEmpty() ? String.format("0x%x", mask) : String.join("|", s);
  }

  @Override
  public void close() {
    running = false;
    try {
      thread.join(1000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    revokeAll("file watcher closed");
    Libc.close(fd);
  }
}
