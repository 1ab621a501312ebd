package io.homi.runtime.mediator;

import io.homi.runtime.os.OpenFile;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/** Namespace ids to grants. NSID 0 and 0xFFFFFFFF are never valid, as in NVMe. */
public final class NamespaceTable {
  private final ConcurrentHashMap<Integer, Namespace> byId = new ConcurrentHashMap<>();
  private final AtomicInteger next = new AtomicInteger(1);
  private final AtomicLong attaches = new AtomicLong();

  public Namespace attach(OpenFile file) {
    int id = next.getAndIncrement();
    if (id == 0 || id == -1) id = next.getAndIncrement();
    Namespace ns = new Namespace(id, file);
    byId.put(id, ns);
    attaches.incrementAndGet();
    return ns;
  }

  public void detach(Namespace ns) {
    ns.revoke("detached");
    byId.remove(ns.nsid(), ns);
  }

  public Namespace get(int nsid) {
    return byId.get(nsid);
  }

  /**
   * Namespaces attached since this table was made. A reader attaches its file once, for host and
   * device destinations alike, so a scan's attaches equal the files it opened (tests prove it).
   */
  public long attaches() {
    return attaches.get();
  }

  public int size() {
    return byId.size();
  }
}
