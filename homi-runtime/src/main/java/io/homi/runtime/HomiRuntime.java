package io.homi.runtime;

import io.homi.runtime.io.QueueClient;
import io.homi.runtime.mediator.BufferRegistry;
import io.homi.runtime.mediator.Mediator;
import io.homi.runtime.mediator.Namespace;
import io.homi.runtime.mediator.NamespaceTable;
import io.homi.runtime.mediator.PathStats;
import io.homi.runtime.os.OpenFile;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;

/**
 * The embedded HOMI runtime: one per JVM (each Spark executor has its own). Owns the namespace
 * table (grants), the registered buffers, the mediator and its I/O threads, and the Arrow
 * allocator. Readers attach files as namespaces and get their own queue pairs.
 */
public final class HomiRuntime {
  /** Largest transfer one command may ask for (NVMe MDTS): 64 MiB. */
  public static final long MDTS_BYTES = 64L << 20;
  /** Blocking reads in flight across all queues: at least one queue's default depth, so Direct can fill the device. */
  private static final int IO_THREADS = Integer.getInteger("homi.ioThreads",
      Math.max(HomiConfig.defaults().queueDepth(), 2 * Runtime.getRuntime().availableProcessors()));

  private static volatile HomiRuntime instance;

  private final NamespaceTable namespaces = new NamespaceTable();
  private final BufferRegistry buffers = new BufferRegistry();
  private final Mediator mediator;
  private final BufferAllocator allocator = new RootAllocator();

  private HomiRuntime() {
    this.mediator = new Mediator(namespaces, buffers, MDTS_BYTES, IO_THREADS);
  }

  public static HomiRuntime get() {
    HomiRuntime r = instance;
    if (r == null) {
      synchronized (HomiRuntime.class) {
        r = instance;
        if (r == null) instance = r = new HomiRuntime();
      }
    }
    return r;
  }

  public Mediator mediator() {
    return mediator;
  }

  public BufferRegistry buffers() {
    return buffers;
  }

  public PathStats stats() {
    return mediator.stats();
  }

  public BufferAllocator allocator() {
    return allocator;
  }

  /** Exposes an open file as a namespace under a read-only grant. */
  public Namespace attach(OpenFile file) {
    return namespaces.attach(file);
  }

  public void detach(Namespace ns) {
    namespaces.detach(ns);
  }

  /** A queue pair and its host initiator, routed by the config's path policy. */
  public QueueClient newClient(HomiConfig config) {
    return new QueueClient(mediator, config.queueDepth(), config.taskBytes(), config.policy());
  }
}
