package io.homi.runtime;

import io.homi.runtime.control.BlockDevice;
import io.homi.runtime.control.ControlPlane;
import io.homi.runtime.gpu.GpuDevice;
import io.homi.runtime.gpu.GpuPath;
import io.homi.runtime.gpu.GpuProbe;
import io.homi.runtime.gpu.decode.GpuRowGroups;
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
import io.homi.runtime.parquet.ReaderRuntime;
import io.homi.runtime.parquet.ReaderSettings;
import io.homi.runtime.settings.HomiSettings;
import io.homi.runtime.settings.JvmSettings;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;

/**
 * The embedded HOMI runtime: one per JVM (each Spark executor has its own). Owns the namespace
 * table (grants), the registered buffers, the mediator and its I/O threads, the Arrow allocator,
 * and all GPU state: one device handle per GPU ordinal, the GPU path, the GPU decoders. Readers
 * attach files as namespaces and get their own queue pairs.
 */
public final class HomiRuntime implements ReaderRuntime, AutoCloseable {
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

  @Override
  public BufferRegistry buffers() {
    return buffers;
  }

  public PathStats stats() {
    return mediator.stats();
  }

  @Override
  public BufferAllocator allocator() {
    return allocator;
  }

  /** Parsed footers of the files this JVM opened, keyed by path and file identity. */
  @Override
  public FooterCache footers() {
    return footers;
  }

  /**
   * Daemon threads that fetch row groups ahead of the decoding thread ({@code
   * homi.prefetchRowGroups}). Each reader keeps at most its own bound in flight, so the threads in
   * use never exceed the readers fetching ahead at that moment; idle threads end after a minute.
   */
  @Override
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
  @Override
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

  @Override
  public void detach(Namespace ns) {
    mediator.devicePath().unbind(ns);
    namespaces.detach(ns);
  }

  /** A queue pair and its host initiator, routed by the settings' path policy. */
  @Override
  public QueueClient newClient(ReaderSettings config) throws IOException {
    if (config.pathMode() == PathPolicy.Mode.GPU) gpuPath();
    return new QueueClient(
        mediator, config.queueDepth(), config.maxCommandBytes(), config.policy());
  }

  /**
   * The mediator's GPU path (commands into device memory registered as {@link
   * BufferRegistry.Kind#DEVICE}), attached on first use on the default GPU's device ({@link
   * #gpuDevice(int)}): cuFile where the platform accepts the file, pinned staging otherwise. Throws
   * "homi.path=gpu: no usable GPU: why" without one.
   */
  @Override
  public DeviceMemoryPath gpuPath() throws IOException {
    DeviceMemoryPath p = mediator.gpuPath();
    if (p != null) return p;
    synchronized (this) {
      p = mediator.gpuPath();
      if (p != null) return p;
      GpuProbe.Result r = GpuProbe.probe();
      if (!r.usable()) throw new IOException("homi.path=gpu: no usable GPU: " + r.reason());
      try {
        GpuPath g =
            new GpuPath(
                gpuDevice(GpuProbe.defaultOrdinal()),
                GpuPath.Engine.AUTO,
                settings.get(HomiSettings.GPU_WORKERS),
                4L << 20);
        mediator.setGpuPath(g);
        return g;
      } catch (RuntimeException e) {
        throw new IOException("homi.path=gpu: the GPU path cannot start: " + e.getMessage(), e);
      }
    }
  }

  // The GPU state of this runtime, one owner for all of it (guarded by this): the devices (one
  // primary-context handle per ordinal, shared by the GPU path, the decoders and the connector's
  // RAPIDS bridge), the decoders per ordinal, and why an ordinal cannot be used, remembered so
  // that each task does not retry a start that failed.
  private final Map<Integer, GpuDevice> gpuDevices = new HashMap<>();
  private final Map<Integer, GpuRowGroups> gpuDecoders = new HashMap<>();
  private final Map<Integer, String> gpuUnavailable = new HashMap<>();
  private volatile boolean closed;

  /**
   * GPU {@code ordinal}'s device (its primary context retained), opened on first use and shared by
   * every user in this runtime; released by {@link #close()}, not by its users. Throws {@link
   * IllegalStateException} naming why when the GPU cannot be used ({@link #gpuUnavailable(int)}).
   */
  public synchronized GpuDevice gpuDevice(int ordinal) {
    checkOpen();
    GpuDevice d = gpuDevices.get(ordinal);
    if (d != null) return d;
    String why = gpuUnavailable.get(ordinal);
    if (why != null) throw new IllegalStateException(why);
    GpuProbe.Result p = GpuProbe.probe(ordinal);
    if (!p.usable()) why = "no usable GPU: " + p.reason();
    else {
      try {
        d = GpuDevice.open(ordinal);
      } catch (RuntimeException e) {
        why = "GPU " + ordinal + " cannot be opened: " + e.getMessage();
      }
    }
    if (why != null) {
      gpuUnavailable.put(ordinal, why);
      throw new IllegalStateException(why);
    }
    gpuDevices.put(ordinal, d);
    return d;
  }

  /**
   * GPU {@code ordinal}'s row-group decoders ({@code homi.gpuDecoders} of them, host copies pinned
   * up to {@code homi.gpuPinnedHostBytes}), started on first use on {@link #gpuDevice(int)}; closed
   * by {@link #close()}. Throws {@link IllegalStateException} naming why when they cannot start
   * (remembered: {@link #gpuUnavailable(int)}).
   */
  public synchronized GpuRowGroups gpuRowGroups(int ordinal) {
    checkOpen();
    GpuRowGroups g = gpuDecoders.get(ordinal);
    if (g != null) return g;
    String why = gpuUnavailable.get(ordinal);
    if (why != null) throw new IllegalStateException(why);
    GpuDevice d = gpuDevice(ordinal);
    try {
      g =
          GpuRowGroups.start(
              d,
              settings.get(HomiSettings.GPU_DECODERS),
              settings.get(HomiSettings.GPU_PINNED_HOST_BYTES));
    } catch (RuntimeException | Error e) {
      why = "the GPU decoder could not start on GPU " + ordinal + ": " + e.getMessage();
      gpuUnavailable.put(ordinal, why);
      throw new IllegalStateException(why, e);
    }
    gpuDecoders.put(ordinal, g);
    return g;
  }

  /**
   * Why GPU output cannot be produced on GPU {@code ordinal} in this runtime, or null when it can:
   * no usable GPU (the {@link GpuProbe} reason), the device could not be opened, or the decoders
   * could not start (kernels missing, out of memory). Starts the decoders to find out; a failure is
   * remembered for the runtime's life.
   */
  public String gpuUnavailable(int ordinal) {
    try {
      gpuRowGroups(ordinal);
      return null;
    } catch (IllegalStateException e) {
      return e.getMessage();
    }
  }

  /** {@link #gpuRowGroups(int)} on the JVM's default GPU ({@link GpuProbe#defaultOrdinal()}). */
  public GpuRowGroups gpuRowGroups() {
    return gpuRowGroups(GpuProbe.defaultOrdinal());
  }

  /** {@link #gpuUnavailable(int)} for the JVM's default GPU ({@link GpuProbe#defaultOrdinal()}). */
  public String gpuUnavailable() {
    return gpuUnavailable(GpuProbe.defaultOrdinal());
  }

  private void checkOpen() {
    if (closed) throw new IllegalStateException("the HOMI runtime is closed");
  }

  /** A runtime of its own, not the JVM's ({@link #get()}): for tests that close one. */
  static HomiRuntime create() {
    return new HomiRuntime();
  }

  /**
   * Stops this runtime, each part before what it uses: the prefetch threads, the GPU decoders
   * (their staging, streams and kernels), the mediator (service and I/O threads, io_uring, queue
   * pairs, paths), the GPU path, then the GPU devices (their primary contexts released last, as
   * everything above allocated in them), the control plane's file watches, then the Arrow
   * allocator, which fails naming what is still allocated. Readers still open fail on their next
   * read; the GPU accessors throw. A later {@link #get()} starts a new runtime. Idempotent.
   */
  @Override
  public void close() {
    List<GpuRowGroups> decoders;
    List<GpuDevice> devices;
    synchronized (this) {
      if (closed) return;
      closed = true;
      decoders = new ArrayList<>(gpuDecoders.values());
      devices = new ArrayList<>(gpuDevices.values());
      gpuDecoders.clear();
      gpuDevices.clear();
    }
    synchronized (HomiRuntime.class) {
      if (instance == this) instance = null;
    }
    ExecutorService p = prefetch;
    if (p != null) p.shutdownNow();
    decoders.forEach(GpuRowGroups::close);
    DeviceMemoryPath gpu = mediator.gpuPath();
    mediator.close();
    if (gpu instanceof GpuPath g) {
      mediator.setGpuPath(null);
      g.close();
    }
    devices.forEach(GpuDevice::close);
    control.close();
    allocator.close();
  }
}
