package io.homi.runtime;

import io.homi.runtime.control.BlockDevice;
import io.homi.runtime.control.ControlPlane;
import io.homi.runtime.gpu.GpuDevice;
import io.homi.runtime.gpu.GpuPath;
import io.homi.runtime.gpu.GpuProbe;
import io.homi.runtime.io.QueueClient;
import io.homi.runtime.mediator.BufferRegistry;
import io.homi.runtime.mediator.DeviceMemoryPath;
import io.homi.runtime.mediator.Mediator;
import io.homi.runtime.mediator.Namespace;
import io.homi.runtime.mediator.NamespaceTable;
import io.homi.runtime.mediator.PathPolicy;
import io.homi.runtime.mediator.PathStats;
import io.homi.runtime.os.Libc;
import io.homi.runtime.os.OpenFile;
import io.homi.runtime.parquet.FooterCache;
import java.io.IOException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
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
  /**
   * Mediator service threads (queues sharded over them): more lets many GPU-initiated queues be
   * fetched in parallel. {@code -Dhomi.serviceThreads}; 1 by default (each one spins while busy).
   */
  private static final int SERVICE_THREADS = Math.max(1, Integer.getInteger("homi.serviceThreads", 1));
  /** Workers of the GPU path (each with a pinned double buffer of 2 x 4 MiB). */
  private static final int GPU_WORKERS = Math.max(1, Integer.getInteger("homi.gpuWorkers", 8));

  private static volatile HomiRuntime instance;

  private final NamespaceTable namespaces = new NamespaceTable();
  private final BufferRegistry buffers = new BufferRegistry();
  private final Mediator mediator;
  private final BufferAllocator allocator = new RootAllocator();
  private final ControlPlane control = new ControlPlane();
  private final FooterCache footers = new FooterCache();
  private volatile ExecutorService prefetch;

  private HomiRuntime() {
    this.mediator = new Mediator(namespaces, buffers,
        Mediator.Settings.of(MDTS_BYTES, IO_THREADS).withServiceThreads(SERVICE_THREADS));
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

  /** Parsed footers of the files this JVM opened, keyed by path and file identity. */
  public FooterCache footers() {
    return footers;
  }

  /**
   * Daemon threads that fetch row groups ahead of the decoding thread ({@code homi.prefetchRowGroups}).
   * Each reader keeps at most its own bound in flight, so the threads in use never exceed the
   * readers fetching ahead at that moment; idle threads end after a minute.
   */
  public ExecutorService prefetchPool() {
    ExecutorService p = prefetch;
    if (p == null) {
      synchronized (this) {
        p = prefetch;
        if (p == null) {
          AtomicInteger n = new AtomicInteger();
          prefetch = p = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "homi-prefetch-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
          });
        }
      }
    }
    return p;
  }

  /** Exposes an open file as a namespace under a read-only grant (OS and Direct paths only). */
  public Namespace attach(OpenFile file) {
    return namespaces.attach(file);
  }

  /**
   * Exposes an open file as a namespace; where {@code mode} may use the device path (device,
   * auto) and this process can open the file's block device, also maps the file's extents and
   * binds a device grant to the namespace. {@code device} fails clearly when it cannot; {@code auto}
   * goes on without the device path.
   */
  public Namespace attach(OpenFile file, PathPolicy.Mode mode) throws IOException {
    if (mode == PathPolicy.Mode.GPU) gpuPath(); // strict: fails clearly without a usable GPU
    Namespace ns = namespaces.attach(file);
    if (mode != PathPolicy.Mode.DEVICE && mode != PathPolicy.Mode.AUTO) return ns;
    String why = deviceUnavailable(file);
    try {
      if (why == null) {
        mediator.devicePath().bind(ns, control.grant(file));
        return ns;
      }
    } catch (IOException | RuntimeException e) {
      why = e.getMessage();
    }
    if (mode == PathPolicy.Mode.DEVICE) {
      detach(ns);
      throw new IOException("homi.path=device cannot read " + file.path() + ": " + why);
    }
    return ns;
  }

  /** Why the device path cannot serve this file's block device, or null when it can. */
  private String deviceUnavailable(OpenFile file) {
    BlockDevice d;
    try {
      d = BlockDevice.of(file.identity().devMajor(), file.identity().devMinor());
    } catch (IOException e) {
      return e.getMessage();
    }
    int fd = mediator.devicePath().deviceFd(d);
    return fd >= 0 ? null : "cannot open " + d.node() + " read-only with O_DIRECT: " + Libc.strerror(-fd);
  }

  public void detach(Namespace ns) {
    mediator.devicePath().unbind(ns);
    namespaces.detach(ns);
  }

  /** A queue pair and its host initiator, routed by the config's path policy. */
  public QueueClient newClient(HomiConfig config) throws IOException {
    if (config.pathMode() == PathPolicy.Mode.GPU) gpuPath();
    return new QueueClient(mediator, config.queueDepth(), config.taskBytes(), config.policy());
  }

  /**
   * The mediator's GPU path (commands into device memory registered as
   * {@link BufferRegistry.Kind#DEVICE}), attached on first use: cuFile where the platform accepts
   * the file, pinned staging otherwise. Throws "homi.path=gpu: no usable GPU: why" without one.
   */
  public DeviceMemoryPath gpuPath() throws IOException {
    DeviceMemoryPath p = mediator.gpuPath();
    if (p != null) return p;
    synchronized (this) {
      p = mediator.gpuPath();
      if (p != null) return p;
      GpuProbe.Result r = GpuProbe.probe();
      if (!r.usable()) throw new IOException("homi.path=gpu: no usable GPU: " + r.reason());
      try {
        GpuDevice gpu = GpuDevice.open(GpuProbe.defaultOrdinal());
        GpuPath g = new GpuPath(gpu, GpuPath.Engine.AUTO, GPU_WORKERS, 4L << 20);
        mediator.setGpuPath(g);
        return g;
      } catch (RuntimeException e) {
        throw new IOException("homi.path=gpu: the GPU path cannot start: " + e.getMessage(), e);
      }
    }
  }
}
