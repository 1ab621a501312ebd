package io.homi.runtime.mediator;

import io.homi.runtime.nvme.HostQueueMemory;
import io.homi.runtime.nvme.NvmeStatus;
import io.homi.runtime.nvme.QueueMemory;
import io.homi.runtime.nvme.QueuePair;
import io.homi.runtime.settings.HomiSettings;
import io.homi.runtime.settings.JvmSettings;
import java.io.IOException;
import java.lang.invoke.VarHandle;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongFunction;

/**
 * The host mediator: service threads poll many queue pairs round-robin, fetching at most a budget
 * of commands per visit; every command is validated before storage is touched ({@link
 * CommandValidator}); a valid read the page cache already holds is copied right there without
 * blocking (random ones of a fetch batch by one io_uring submission, {@link CachedBatch}), Direct
 * reads (and auto's wholly cold ones) are kept in flight by one io_uring ({@link DirectRing}),
 * anything else runs on the I/O pool (blocking preads; O_DIRECT reads too where io_uring cannot be
 * set up) by the queue's {@link PathPolicy} ({@link CommandExecutor}). Completions carry NVMe
 * status codes; CQ slots are reserved at fetch ({@link ServicedQueue}).
 */
public final class Mediator implements AutoCloseable {
  /**
   * Tunables. {@code serviceThreads}: queues are sharded over them by queue id, so each queue has
   * one service thread (its SQ head and CQ tail stay single-writer) and a group of GPU queues (one
   * per warp, consecutive ids) spreads over all of them. {@code inlineMaxBytes}: the largest cached
   * command copied on a service thread (larger ones would delay other queues).
   */
  public record Settings(
      long mdtsBytes,
      int ioThreads,
      int serviceThreads,
      int budget,
      long inlineMaxBytes,
      int directRingEntries) {
    public Settings {
      if (mdtsBytes <= 0
          || ioThreads < 1
          || serviceThreads < 1
          || budget < 1
          || inlineMaxBytes < 0
          || (directRingEntries != 0 && Integer.bitCount(directRingEntries) != 1)) {
        throw new IllegalArgumentException(
            "bad mediator settings "
                + mdtsBytes
                + ", "
                + ioThreads
                + ", "
                + serviceThreads
                + ", "
                + budget
                + ", "
                + inlineMaxBytes
                + ", "
                + directRingEntries);
      }
    }

    /** Direct reads through io_uring where it can be set up ({@code homi.uring=false}: never). */
    public Settings(
        long mdtsBytes, int ioThreads, int serviceThreads, int budget, long inlineMaxBytes) {
      this(
          mdtsBytes,
          ioThreads,
          serviceThreads,
          budget,
          inlineMaxBytes,
          JvmSettings.get().get(HomiSettings.URING) ? URING_ENTRIES : 0);
    }

    public static Settings of(long mdtsBytes, int ioThreads) {
      return new Settings(mdtsBytes, ioThreads, 1, 16, 128L << 10);
    }

    public Settings withServiceThreads(int n) {
      return new Settings(mdtsBytes, ioThreads, n, budget, inlineMaxBytes, directRingEntries);
    }

    /**
     * SQEs of the io_uring that keeps Direct reads in flight (a power of two; it keeps twice as
     * many reads in flight); 0: Direct reads on the I/O thread pool even where io_uring works.
     */
    public Settings withDirectRing(int entries) {
      return new Settings(mdtsBytes, ioThreads, serviceThreads, budget, inlineMaxBytes, entries);
    }
  }

  /** SQEs of the Direct ring; the kernel gives twice as many CQEs, the reads it keeps in flight. */
  static final int URING_ENTRIES = 256;

  private final NamespaceTable namespaces;
  private final BufferRegistry buffers;
  private final PathStats stats = new PathStats();
  private final CommandValidator validator;
  private final CommandExecutor executor;
  private final Settings settings;
  private final DevicePath devicePath = new DevicePath();
  private final PassthroughPath passthroughPath = new PassthroughPath(devicePath);
  private final VfPath vfPath;
  private final CopyOnWriteArrayList<ServicedQueue> queues = new CopyOnWriteArrayList<>();
  private final ConcurrentHashMap<QueuePair, ServicedQueue> byPair = new ConcurrentHashMap<>();
  private final AtomicInteger nextQueueId = new AtomicInteger(1);
  private final java.util.concurrent.atomic.AtomicLong queuePairsCreated =
      new java.util.concurrent.atomic.AtomicLong();
  private final ExecutorService io;

  /**
   * Direct reads in flight through io_uring; null where it cannot be set up (then the I/O pool).
   */
  private final DirectRing ring;

  /** Random cached commands of a fetch batch copied by one io_uring_enter (off with the ring). */
  private final CachedBatch.PerThread batches;

  private final String directEngine;
  private final Thread[] service;
  private final long[] passes;

  /**
   * 1 while service thread i is about to park or parked: only then does {@link #wake} unpark it.
   */
  private final AtomicIntegerArray sleeping;

  private volatile boolean running = true;

  public Mediator(
      NamespaceTable namespaces, BufferRegistry buffers, long mdtsBytes, int ioThreads) {
    this(namespaces, buffers, Settings.of(mdtsBytes, ioThreads), true);
  }

  public Mediator(NamespaceTable namespaces, BufferRegistry buffers, Settings settings) {
    this(namespaces, buffers, settings, true);
  }

  /** {@code start=false}: no service thread; tests drive {@link #pollOnce} by hand. */
  Mediator(NamespaceTable namespaces, BufferRegistry buffers, Settings settings, boolean start) {
    this.namespaces = namespaces;
    this.buffers = buffers;
    this.settings = settings;
    this.validator = new CommandValidator(namespaces, buffers, settings.mdtsBytes());
    this.vfPath = new VfPath(devicePath, buffers);
    this.executor = new CommandExecutor(devicePath, passthroughPath, vfPath);
    AtomicInteger n = new AtomicInteger();
    this.io =
        Executors.newFixedThreadPool(
            settings.ioThreads(),
            r -> {
              Thread t = new Thread(r, "homi-io-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    DirectRing r = null;
    String engine;
    if (settings.directRingEntries() == 0) {
      engine = "I/O thread pool (" + settings.ioThreads() + " threads; io_uring turned off)";
    } else {
      try {
        r = DirectRing.open(settings.directRingEntries(), this::finish);
        engine = "io_uring (" + r.capacity() + " reads in flight at most)";
      } catch (IOException | RuntimeException | LinkageError e) {
        engine = "I/O thread pool (" + settings.ioThreads() + " threads; " + e.getMessage() + ")";
      }
    }
    this.ring = r;
    this.batches = new CachedBatch.PerThread(r != null);
    this.directEngine = engine;
    int s = start ? Math.max(1, settings.serviceThreads()) : 0;
    this.service = new Thread[s];
    this.passes = new long[s];
    this.sleeping = new AtomicIntegerArray(Math.max(1, s));
    for (int i = 0; i < s; i++) {
      int shard = i;
      service[i] = new Thread(() -> serviceLoop(shard), "homi-mediator-" + i);
      service[i].setDaemon(true);
      service[i].start();
    }
  }

  public PathStats stats() {
    return stats;
  }

  public BufferRegistry buffers() {
    return buffers;
  }

  public NamespaceTable namespaces() {
    return namespaces;
  }

  public long mdtsBytes() {
    return settings.mdtsBytes();
  }

  /**
   * Plugs in the path for commands into device memory (regions registered as {@link
   * BufferRegistry.Kind#DEVICE}); until then such commands are refused. Null detaches it.
   */
  public void setGpuPath(DeviceMemoryPath path) {
    executor.setGpuPath(path);
  }

  /** The GPU path commands into device memory go to, or null when none is attached. */
  public DeviceMemoryPath gpuPath() {
    return executor.gpuPath();
  }

  /** The block-device path: grants are bound to namespaces here (see HomiRuntime.attach). */
  public DevicePath devicePath() {
    return devicePath;
  }

  /**
   * NVMe passthrough on the same grants as the device path (where the namespace's /dev/ngXnY
   * opens).
   */
  public PassthroughPath passthroughPath() {
    return passthroughPath;
  }

  /** SR-IOV delegation on the same grants (homi.path=vf; a VF is provisioned on first use). */
  public VfPath vfPath() {
    return vfPath;
  }

  public Settings settings() {
    return settings;
  }

  /** What keeps Direct reads in flight here: io_uring, or the I/O thread pool and why. */
  public String directEngine() {
    return directEngine;
  }

  /** Whether Direct reads go through io_uring. */
  public boolean directRing() {
    return ring != null;
  }

  /**
   * Queue pairs created since this mediator started. A reader has one queue pair per open file, for
   * host and device destinations alike (tests compare this with the files a scan opened).
   */
  public long queuePairsCreated() {
    return queuePairsCreated.get();
  }

  /** A queue pair in host memory whose commands the given policy routes, served from now on. */
  public QueuePair createQueuePair(int sqEntries, int cqEntries, PathPolicy policy) {
    return createQueuePair(sqEntries, cqEntries, policy, HostQueueMemory::new);
  }

  /**
   * A queue pair in memory from {@code allocator} (GPU-mapped pinned memory for GPU initiators).
   */
  public QueuePair createQueuePair(
      int sqEntries, int cqEntries, PathPolicy policy, LongFunction<QueueMemory> allocator) {
    QueueMemory mem = allocator.apply(QueuePair.bytesNeeded(sqEntries, cqEntries));
    QueuePair qp = new QueuePair(nextQueueId.getAndIncrement(), sqEntries, cqEntries, mem);
    queuePairsCreated.incrementAndGet();
    ServicedQueue q = new ServicedQueue(qp, policy, stats, settings.budget());
    byPair.put(qp, q);
    queues.add(q);
    wake();
    return qp;
  }

  /**
   * Stops serving a queue pair, waits (up to 30 s) for its in-flight commands, and frees its memory
   * only after every service thread has finished a pass without it, so no thread can still be
   * reading a freed ring.
   */
  public void deleteQueuePair(QueuePair qp) {
    ServicedQueue q = byPair.remove(qp);
    if (q == null) return;
    q.deleted = true;
    queues.remove(q);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (q.inFlight.get() > 0 && System.nanoTime() < deadline) LockSupport.parkNanos(100_000);
    for (int i = 0; i < service.length; i++) {
      long seen = passes[i];
      while (running
          && service[i].isAlive()
          && passesOf(i) < seen + 2
          && System.nanoTime() < deadline) {
        LockSupport.unpark(service[i]);
        LockSupport.parkNanos(50_000);
      }
    }
    if (q.inFlight.get() == 0)
      qp.close(); // else leak rather than free memory an I/O thread still writes
  }

  /** Registers the thread that waits on a queue's completions, so posting can unpark it. */
  public void setWaiter(QueuePair qp, Thread waiter) {
    ServicedQueue q = byPair.get(qp);
    if (q != null) q.waiter = waiter;
  }

  /**
   * The registered waiter says it is about to park ({@code true}: it must look at its CQ once more
   * after this call, then park) or is running again ({@code false}). A waiter that says so is
   * unparked only while it may be parked, rather than on every completion.
   */
  public void waiterParking(QueuePair qp, boolean parking) {
    ServicedQueue q = byPair.get(qp);
    if (q == null) return;
    q.waiterState = parking ? ServicedQueue.WAITER_PARKED : ServicedQueue.WAITER_RUNNING;
    if (parking) VarHandle.fullFence(); // the state store before the caller's CQ check
  }

  /** Why the command {@code cid} on {@code qp} failed, once; null when nothing was recorded. */
  public String takeErrorDetail(QueuePair qp, int cid) {
    ServicedQueue q = byPair.get(qp);
    return q == null ? null : q.takeErrorDetail(cid);
  }

  /**
   * Host initiators call this after ringing a doorbell; GPU initiators are found by polling. Only a
   * service thread that is parking is unparked: a spinning one sees the doorbell anyway (it looks
   * at every queue once more after saying it parks, so no doorbell is missed).
   */
  public void wake() {
    VarHandle.fullFence(); // the doorbell store before the read of the flags
    for (int i = 0; i < service.length; i++) {
      if (sleeping.get(i) != 0) LockSupport.unpark(service[i]);
    }
  }

  private synchronized long passesOf(int i) {
    return passes[i];
  }

  private synchronized void passDone(int i) {
    passes[i]++;
  }

  private void serviceLoop(int shard) {
    int idle = 0;
    int shards = service.length;
    while (running) {
      boolean worked = false;
      for (ServicedQueue q : queues) {
        if (q.qp.id() % shards == shard) worked |= serve(q) > 0;
      }
      passDone(shard);
      if (worked) {
        idle = 0;
      } else if (++idle < 64) {
        Thread.onSpinWait();
      } else {
        // Parked until a host doorbell wakes us; the timeout bounds how late a GPU doorbell is
        // seen.
        // Say so first, then look once more: a doorbell rung before the flag was seen is served
        // now.
        sleeping.set(shard, 1);
        VarHandle.fullFence(); // the flag before the doorbell reads below
        boolean late = false;
        for (ServicedQueue q : queues) {
          if (q.qp.id() % shards == shard) late |= serve(q) > 0;
        }
        if (late) idle = 0;
        else LockSupport.parkNanos(idle < 1024 ? 20_000 : 1_000_000);
        sleeping.set(shard, 0);
      }
    }
  }

  /**
   * One round-robin pass over every queue, for tests without service threads; returns commands
   * taken.
   */
  int pollOnce() {
    int n = 0;
    for (ServicedQueue q : queues) n += serve(q);
    return n;
  }

  /** Runs a task on the I/O pool; tests block its threads so fetched reads stay in flight. */
  void runOnIoForTest(Runnable task) {
    io.execute(task);
  }

  /** What this one queue pair's commands did: per-task metrics without other tasks' traffic. */
  public PathStats.Snapshot statsOf(QueuePair qp) {
    ServicedQueue q = byPair.get(qp);
    return (q == null ? new PathStats() : q.stats).snapshot();
  }

  /** The mediator's SQ head of {@code qp}: how far it has fetched (tests of fairness). */
  int sqHead(QueuePair qp) {
    return byPair.get(qp).sqHead;
  }

  /** Fetches up to the budget of commands from one queue; returns how many were taken. */
  private int serve(ServicedQueue q) {
    if (q.deleted) return 0;
    QueuePair qp = q.qp;
    int tail = qp.sqTail();
    if (tail < 0 || tail >= qp.sqEntries())
      return 0; // invalid doorbell value: ignored, as a controller would
    int head = q.sqHead;
    int pending = Math.floorMod(tail - head, qp.sqEntries());
    if (pending == 0) return 0;
    // CQ slots for the whole batch under one lock; fewer (or none) when the CQ is full:
    // back-pressure, the rest of the SQ waits.
    int taken = q.reserveCompletionSlots(Math.min(pending, settings.budget()));
    for (int i = 0; i < taken; i++) {
      Command c = Command.read(qp.sq(), head);
      head = head + 1 == qp.sqEntries() ? 0 : head + 1;
      q.sqHead = head;
      dispatch(q, c);
    }
    flushRun(q);
    flushSingles(q);
    q.flushBatch();
    if (ring != null) ring.flush(); // the batch's Direct reads: one io_uring_enter
    return taken;
  }

  private void dispatch(ServicedQueue q, Command c) {
    if (!q.claimCid(c.cid())) {
      q.stats.refused();
      q.complete(c.cid(), false, NvmeStatus.COMMAND_ID_CONFLICT, 0, null);
      return;
    }
    Validated v = validator.validate(c);
    if (!v.ok()) {
      q.stats.refused();
      q.complete(c.cid(), true, v.status(), 0, null);
      return;
    }
    String refused = executor.refusal(v, q.policy);
    if (refused != null) { // e.g. device memory without a GPU path: refused before any I/O
      q.stats.refused();
      q.complete(c.cid(), true, NvmeStatus.DATA_TRANSFER_ERROR, 0, refused);
      return;
    }
    if (!v.device()
        && q.policy.mode() != PathPolicy.Mode.DIRECT
        && c.bytes() <= settings.inlineMaxBytes()) {
      if (executor.batchable(v, q.policy)) {
        // File-contiguous cached commands of one fetch batch are served by one vectored read.
        if (q.runLength > 0 && (q.run[0].ns() != v.ns() || q.runEnd != c.fileOffset())) flushRun(q);
        q.run[q.runLength++] = v;
        q.runEnd = c.fileOffset() + c.bytes();
        return;
      }
      serveInlineOrQueue(q, v);
      return;
    }
    queue(q, v);
  }

  /** Serves the queue's pending run: one vectored cached read, then one by one what it left. */
  private void flushRun(ServicedQueue q) {
    int k = q.runLength;
    if (k == 0) return;
    q.runLength = 0;
    if (k == 1
        && batches.enabled()
        && CachedBatch.accepts(q.run[0])
        && q.singlesLength < q.singles.length) {
      q.singles[q.singlesLength++] =
          q.run[0]; // served with the batch's other singles by one io_uring_enter
      q.run[0] = null;
      return;
    }
    int served = k == 1 ? 0 : executor.tryCachedRun(q.run, k, q.stats);
    for (int i = 0; i < k; i++) {
      Validated v = q.run[i];
      q.run[i] = null;
      if (i < served) q.completeInBatch(v.command().cid(), (int) v.command().bytes());
      else serveInlineOrQueue(q, v);
    }
  }

  /**
   * Serves the batch's single cached commands: two or more by one io_uring submission of RWF_NOWAIT
   * reads ({@link CachedBatch}, one per service thread); what it did not serve (and a lone command)
   * the old way, by preadv2 or on the I/O pool.
   */
  private void flushSingles(ServicedQueue q) {
    int k = q.singlesLength;
    if (k == 0) return;
    q.singlesLength = 0;
    CachedBatch batch = k >= 2 ? batches.get() : null;
    if (batch != null) batch.read(q.singles, k, q.singleServed);
    for (int i = 0; i < k; i++) {
      Validated v = q.singles[i];
      q.singles[i] = null;
      if (batch != null && q.singleServed[i]) {
        int bytes = (int) v.command().bytes();
        q.stats.servedInline(PathKind.OS, bytes);
        q.stats.ringed();
        q.completeInBatch(v.command().cid(), bytes);
      } else {
        serveInlineOrQueue(q, v);
      }
    }
  }

  private void serveInlineOrQueue(ServicedQueue q, Validated v) {
    long n = executor.tryCached(v, q.policy, q.stats);
    if (n >= 0) q.completeInBatch(v.command().cid(), (int) n);
    else queue(q, v);
  }

  private void queue(ServicedQueue q, Validated v) {
    // Direct commands, and under auto the cold ones that would all go to Direct, through the ring.
    if (ring != null
        && DirectRing.accepts(v)
        && (q.policy.mode() == PathPolicy.Mode.DIRECT || executor.coldForDirect(v, q.policy))) {
      ring.queue(q, v);
      return;
    }
    try {
      io.execute(() -> execute(q, v));
    } catch (RejectedExecutionException e) {
      q.complete(v.command().cid(), true, NvmeStatus.INTERNAL_ERROR, 0, "mediator is shut down");
    }
  }

  private void execute(ServicedQueue q, Validated v) {
    CommandExecutor.Outcome o = null;
    Exception error = null;
    try {
      o = executor.run(v, q.policy, q.stats);
    } catch (IOException | RuntimeException e) {
      error = e;
    }
    finish(q, v, o, error);
  }

  /** Completes an executed command: its error, a short read (truncated file), or success. */
  private void finish(ServicedQueue q, Validated v, CommandExecutor.Outcome o, Exception error) {
    Command c = v.command();
    Namespace ns = v.ns();
    if (error != null) {
      q.stats.error();
      // A real controller's error status (passthrough) reaches the initiator as the controller gave
      // it.
      NvmeStatus st =
          error instanceof io.homi.runtime.nvme.NvmeStatusException se
              ? se.status()
              : NvmeStatus.UNRECOVERED_READ_ERROR;
      q.complete(c.cid(), true, st, 0, String.valueOf(error.getMessage()));
      return;
    }
    if (!o.complete()) {
      // The file is shorter than its grant says: truncated underneath us. Never hand out zeros as
      // data.
      String why =
          "file shrank below its granted size "
              + ns.sizeBytes()
              + " bytes: short read at offset "
              + (c.fileOffset() + o.bytes());
      ns.revoke(why);
      q.stats.error();
      q.complete(
          c.cid(),
          true,
          NvmeStatus.UNRECOVERED_READ_ERROR,
          (int) Math.min(o.bytes(), Integer.MAX_VALUE),
          why);
      return;
    }
    q.complete(
        c.cid(), true, NvmeStatus.SUCCESS, (int) Math.min(o.bytes(), Integer.MAX_VALUE), null);
  }

  @Override
  public void close() {
    running = false;
    for (Thread t : service) LockSupport.unpark(t);
    io.shutdown();
    try {
      for (Thread t : service) t.join(2000);
      io.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (ServicedQueue q : queues) q.qp.close();
    if (ring != null) ring.close();
    batches.close();
    passthroughPath.close();
    vfPath.close();
    devicePath.close();
    executor.close();
    queues.clear();
    byPair.clear();
  }
}
