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
import io.homi.runtime.settings.HomiSettings;
import io.homi.runtime.settings.JvmSettings;
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
public final class HomiRuntime implements AutoCloseable {
  /** Largest transfer one command may ask for (NVMe MDTS): 64 MiB. */
  public static final long MDTS_BYTES = 64L << 20;

  private static volatile HomiRuntime instance;

  private final NamespaceTable namespaces = new NamespaceTable();
  private final BufferRegistry buffers = new BufferRegistry();
  private final Mediator mediator;
  private final BufferAllocator allocator = new RootAllocator();
  private final ControlPlane control = new ControlPlane();
  private final FooterCache footers;
  private volatile ExecutorService prefetch;

  private final JvmSettings settings;

  private HomiRuntime() {
    // The per-JVM settings are fixed here (the I/O threads, service threads and the footer cache's
    // bounds).
    this.settings = JvmSettings.get();
    this.mediator =
        new Mediator(
            namespaces,
            buffers,
            Mediator.Settings.of(MDTS_BYTES, settings.get(HomiSettings.IO_THREADS))
                .withServiceThreads(settings.get(HomiSettings.SERVICE_THREADS)));
    this.footers =
        new FooterCache(
            settings.get(HomiSettings.FOOTER_CACHE_FILES),
            settings.get(HomiSettings.FOOTER_CACHE_CHUNKS));
  }

  /** The per-JVM settings this runtime started with. */
  public JvmSettings settings() {
    return settings;
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
   * Daemon threads that fetch row groups ahead of the decoding thread ({@code
   * homi.prefetchRowGroups}). Each reader keeps at most its own bound in flight, so the threads in
   * use never exceed the readers fetching ahead at that moment; idle threads end after a minute.
   */
  public ExecutorService prefetchPool() {
    ExecutorService p = prefetch;
    if (p == null) {
      synchronized (this) {
        p = prefetch;
        if (p == null) {
          AtomicInteger n = new AtomicInteger();
          prefetch =
              p =
                  Executors.newCachedThreadPool(
                      r -> {
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
   * Exposes an open file as a namespace; where {@code mode} may use the grant's paths (device,
   * passthrough, auto) and this process can open the file's block device (for passthrough: its NVMe
   * generic char device), also maps the file's extents and binds a grant to the namespace. {@code
   * device} and {@code passthrough} fail clearly when they cannot; {@code auto} goes on without
   * them.
   */
  public Namespace attach(OpenFile file, PathPolicy.Mode mode) throws IOException {
    if (mode == PathPolicy.Mode.GPU) gpuPath(); // strict: fails clearly without a usable GPU
    Namespace ns = namespaces.attach(file);
    boolean strict =
        mode == PathPolicy.Mode.DEVICE
            || mode == PathPolicy.Mode.PASSTHROUGH
            || mode == PathPolicy.Mode.VF;
    if (!strict && mode != PathPolicy.Mode.AUTO) return ns;
    String why =
        switch (mode) {
          case PASSTHROUGH -> passthroughUnavailable(file);
          case VF -> vfUnavailable(file);
          default -> deviceUnavailable(file);
        };
    try {
      if (why == null) {
        mediator.devicePath().bind(ns, control.grant(file));
        return ns;
      }
    } catch (IOException | RuntimeException e) {
      why = e.getMessage();
    }
    if (strict) {
      detach(ns);
      throw new IOException(
          "homi.path="
              + mode.name().toLowerCase(java.util.Locale.ROOT)
              + " cannot read "
              + file.path()
              + ": "
              + why);
    }
    return ns;
  }

  /**
   * Why NVMe passthrough cannot serve this file (its block device is no NVMe namespace, ...), or
   * null.
   */
  private String passthroughUnavailable(OpenFile file) {
    try {
      BlockDevice d = BlockDevice.of(file.identity().devMajor(), file.identity().devMinor());
      return mediator.passthroughPath().unavailable(d);
    } catch (IOException e) {
      return e.getMessage();
    }
  }

  /** Why no SR-IOV virtual function can serve this file (no SR-IOV, no IOMMU, ...), or null. */
  private String vfUnavailable(OpenFile file) {
    try {
      BlockDevice d = BlockDevice.of(file.identity().devMajor(), file.identity().devMinor());
      return mediator.vfPath().unavailable(d);
    } catch (IOException e) {
      return e.getMessage();
    }
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
    return fd >= 0
        ? null
        : "cannot open " + d.node() + " read-only with O_DIRECT: " + Libc.strerror(-fd);
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
   * The mediator's GPU path (commands into device memory registered as {@link
   * BufferRegistry.Kind#DEVICE}), attached on first use: cuFile where the platform accepts the
   * file, pinned staging otherwise. Throws "homi.path=gpu: no usable GPU: why" without one.
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
        GpuPath g =
            new GpuPath(gpu, GpuPath.Engine.AUTO, settings.get(HomiSettings.GPU_WORKERS), 4L << 20);
        mediator.setGpuPath(g);
        gpuDevice = gpu;
        return g;
      } catch (RuntimeException e) {
        throw new IOException("homi.path=gpu: the GPU path cannot start: " + e.getMessage(), e);
      }
    }
  }

  private GpuDevice gpuDevice; // opened with the GPU path (under this lock), released by close()
  private volatile boolean closed;

  /** A runtime of its own, not the JVM's ({@link #get()}): for tests that close one. */
  static HomiRuntime create() {
    return new HomiRuntime();
  }

  /**
   * Stops this runtime: the prefetch threads, the mediator (service and I/O threads, io_uring,
   * queue pairs, paths), the GPU path and its device, the control plane's file watches, then the
   * Arrow allocator, which fails naming what is still allocated. Readers still open fail on their
   * next read. A later {@link #get()} starts a new runtime. Idempotent.
   */
  @Override
  public void close() {
    synchronized (this) {
      if (closed) return;
      closed = true;
    }
    synchronized (HomiRuntime.class) {
      if (instance == this) instance = null;
    }
    ExecutorService p = prefetch;
    if (p != null) p.shutdownNow();
    DeviceMemoryPath gpu = mediator.gpuPath();
    mediator.close();
    if (gpu instanceof GpuPath g) {
      mediator.setGpuPath(null);
      g.close();
    }
    synchronized (this) {
      if (gpuDevice != null) gpuDevice.close();
      gpuDevice = null;
    }
    control.close();
    allocator.close();
  }
}
