package io.homi.runtime.mediator;

import com.sun.jna.Pointer;
import io.homi.runtime.nvme.HostQueueMemory;
import io.homi.runtime.nvme.NvmeCommand;
import io.homi.runtime.nvme.NvmeCompletion;
import io.homi.runtime.nvme.NvmeStatus;
import io.homi.runtime.nvme.QueueMemory;
import io.homi.runtime.nvme.QueuePair;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongFunction;

/**
 * The host mediator: serves many queue pairs round-robin with a per-visit budget, validates
 * every command before touching storage (opcode, namespace, grant, LBA range, transfer size,
 * data pointer), runs valid reads on I/O threads via the path the policy picks, and posts
 * completions with NVMe status codes. Completion slots are reserved when a command is fetched,
 * so a completion can never find its queue full (back-pressure stops fetching instead).
 */
public final class Mediator implements AutoCloseable {
  private static final long PAGE = 4096;

  private final NamespaceTable namespaces;
  private final BufferRegistry buffers;
  private final OsPath osPath = new OsPath();
  private final DirectPath directPath = new DirectPath();
  private final PathStats stats = new PathStats();
  private final long mdtsBytes;
  private final int budget;
  private final CopyOnWriteArrayList<ServicedQueue> queues = new CopyOnWriteArrayList<>();
  private final AtomicInteger nextQueueId = new AtomicInteger(1);
  private final ExecutorService io;
  private final Thread service;
  private volatile boolean running = true;

  public Mediator(NamespaceTable namespaces, BufferRegistry buffers, long mdtsBytes, int ioThreads) {
    this.namespaces = namespaces;
    this.buffers = buffers;
    this.mdtsBytes = mdtsBytes;
    this.budget = 16;
    AtomicInteger n = new AtomicInteger();
    this.io = Executors.newFixedThreadPool(ioThreads, r -> {
      Thread t = new Thread(r, "homi-io-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    this.service = new Thread(this::serviceLoop, "homi-mediator");
    service.setDaemon(true);
    service.start();
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
    return mdtsBytes;
  }

  /** A queue pair in host memory whose commands the given policy routes, served from now on. */
  public QueuePair createQueuePair(int sqEntries, int cqEntries, PathPolicy policy) {
    return createQueuePair(sqEntries, cqEntries, policy, HostQueueMemory::new);
  }

  /** A queue pair in memory from {@code allocator} (GPU-mapped pinned memory for GPU initiators). */
  public QueuePair createQueuePair(int sqEntries, int cqEntries, PathPolicy policy,
                                   LongFunction<QueueMemory> allocator) {
    QueueMemory mem = allocator.apply(QueuePair.bytesNeeded(sqEntries, cqEntries));
    QueuePair qp = new QueuePair(nextQueueId.getAndIncrement(), sqEntries, cqEntries, mem);
    queues.add(new ServicedQueue(qp, policy));
    wake();
    return qp;
  }

  /** Stops serving a queue pair once its in-flight commands are done, and frees it. */
  public void deleteQueuePair(QueuePair qp) {
    for (ServicedQueue q : queues) {
      if (q.qp == qp) {
        queues.remove(q);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (q.inFlight.get() > 0 && System.nanoTime() < deadline) LockSupport.parkNanos(100_000);
        qp.close();
        return;
      }
    }
  }

  /** Registers the thread that waits on a queue's completions, so posting can unpark it. */
  public void setWaiter(QueuePair qp, Thread waiter) {
    for (ServicedQueue q : queues) if (q.qp == qp) q.waiter = waiter;
  }

  /** Host initiators call this after ringing a doorbell; GPU initiators are found by polling. */
  public void wake() {
    LockSupport.unpark(service);
  }

  private void serviceLoop() {
    int idle = 0;
    while (running) {
      boolean worked = false;
      for (ServicedQueue q : queues) worked |= serve(q);
      if (worked) {
        idle = 0;
      } else if (++idle < 64) {
        Thread.onSpinWait();
      } else {
        // Parked until a host doorbell wakes us; the timeout bounds how late a GPU doorbell is seen.
        LockSupport.parkNanos(idle < 1024 ? 20_000 : 1_000_000);
      }
    }
  }

  /** Fetches up to {@code budget} commands from one queue; returns whether any were taken. */
  private boolean serve(ServicedQueue q) {
    QueuePair qp = q.qp;
    int tail = qp.sqTail();
    if (tail < 0 || tail >= qp.sqEntries()) return false; // invalid doorbell value: ignored, as a controller would
    int taken = 0;
    while (q.sqHead != tail && taken < budget) {
      if (!q.reserveCompletionSlot()) break; // CQ full: back-pressure, the SQ waits
      Command c = Command.read(qp.sq(), q.sqHead);
      q.sqHead = (q.sqHead + 1) % qp.sqEntries();
      taken++;
      Validated v = validate(c);
      if (v.status != NvmeStatus.SUCCESS) {
        stats.refused();
        q.stats.refused();
        q.complete(c.cid, v.status, 0);
        continue;
      }
      try {
        io.execute(() -> execute(q, c, v));
      } catch (RejectedExecutionException e) {
        q.complete(c.cid, NvmeStatus.INTERNAL_ERROR, 0);
      }
    }
    return taken > 0;
  }

  /** A command's fields, copied out of its slot before the slot can be reused. */
  private record Command(int cid, int opcode, int psdt, int nsid, long slba, int blocks,
                         long dptr1, long dptr2, int sglType) {
    static Command read(ByteBuffer sq, int slot) {
      return new Command(NvmeCommand.cid(sq, slot), NvmeCommand.opcode(sq, slot), NvmeCommand.psdt(sq, slot),
          NvmeCommand.nsid(sq, slot), NvmeCommand.slba(sq, slot), NvmeCommand.blocks(sq, slot),
          NvmeCommand.prp1(sq, slot), NvmeCommand.prp2(sq, slot), NvmeCommand.sglType(sq, slot));
    }
  }

  /** The outcome of validation: a status, and for valid reads the namespace and destination segments. */
  private record Validated(NvmeStatus status, Namespace ns, long[] segments) {
    static Validated refuse(NvmeStatus s) {
      return new Validated(s, null, null);
    }
  }

  private Validated validate(Command c) {
    if (c.opcode == NvmeCommand.OPC_WRITE) return Validated.refuse(NvmeStatus.NAMESPACE_WRITE_PROTECTED);
    if (c.opcode != NvmeCommand.OPC_READ) return Validated.refuse(NvmeStatus.INVALID_OPCODE);
    Namespace ns = namespaces.get(c.nsid);
    if (ns == null) return Validated.refuse(NvmeStatus.INVALID_NAMESPACE);
    if (ns.isRevoked()) return Validated.refuse(NvmeStatus.ACCESS_DENIED);
    if (c.slba < 0 || c.slba + c.blocks > ns.capacityLbas()) return Validated.refuse(NvmeStatus.LBA_OUT_OF_RANGE);
    long bytes = (long) c.blocks << Namespace.LBA_SHIFT;
    if (bytes > mdtsBytes) return Validated.refuse(NvmeStatus.INVALID_FIELD);
    long[] segs;
    if (c.psdt == NvmeCommand.PSDT_SGL) {
      if (c.sglType != NvmeCommand.SGL_DATA_BLOCK) return Validated.refuse(NvmeStatus.SGL_DESCRIPTOR_TYPE_INVALID);
      long sglLen = c.dptr2 & 0xffffffffL;
      if (sglLen != bytes) return Validated.refuse(NvmeStatus.INVALID_FIELD);
      segs = new long[] {c.dptr1, bytes};
    } else if (c.psdt == NvmeCommand.PSDT_PRP) {
      segs = prpSegments(c.dptr1, c.dptr2, bytes);
      if (segs == null) return Validated.refuse(NvmeStatus.INVALID_FIELD);
    } else {
      return Validated.refuse(NvmeStatus.INVALID_FIELD);
    }
    for (int i = 0; i < segs.length; i += 2) {
      if (!buffers.contains(segs[i], segs[i + 1])) return Validated.refuse(NvmeStatus.DATA_TRANSFER_ERROR);
    }
    return new Validated(NvmeStatus.SUCCESS, ns, segs);
  }

  /**
   * PRP1 (any dword-aligned offset) covers to the end of its page; PRP2 is the second page, or
   * for longer transfers the address of a PRP list in registered memory. Null when malformed.
   */
  private long[] prpSegments(long prp1, long prp2, long bytes) {
    if ((prp1 & 3) != 0) return null;
    long first = Math.min(bytes, PAGE - (prp1 & (PAGE - 1)));
    long rest = bytes - first;
    if (rest == 0) return new long[] {prp1, first};
    if ((prp2 & (PAGE - 1)) != 0) return null;
    if (rest <= PAGE) return new long[] {prp1, first, prp2, rest};
    int pages = (int) ((rest + PAGE - 1) / PAGE);
    if (!buffers.contains(prp2, pages * 8L)) return null;
    Pointer list = new Pointer(prp2);
    long[] segs = new long[2 + 2 * pages];
    segs[0] = prp1;
    segs[1] = first;
    for (int i = 0; i < pages; i++) {
      long page = list.getLong(i * 8L);
      if ((page & (PAGE - 1)) != 0) return null;
      segs[2 + 2 * i] = page;
      segs[3 + 2 * i] = Math.min(PAGE, rest - (long) i * PAGE);
    }
    return segs;
  }

  private void execute(ServicedQueue q, Command c, Validated v) {
    Namespace ns = v.ns;
    long fileOffset = c.slba << Namespace.LBA_SHIFT;
    long bytes = (long) c.blocks << Namespace.LBA_SHIFT;
    long expected = Math.max(0, Math.min(bytes, ns.sizeBytes() - fileOffset));
    long got = 0;
    try {
      long off = fileOffset;
      long[] segs = v.segments;
      for (int i = 0; i < segs.length; i += 2) {
        long addr = segs[i];
        long len = segs[i + 1];
        long want = Math.max(0, Math.min(len, ns.sizeBytes() - off));
        long n = want == 0 ? 0 : readSegment(q, ns, off, addr, want);
        if (n < len) new Pointer(addr + n).setMemory(0, len - n, (byte) 0); // past EOF reads as zeros
        got += n;
        if (n < want) break;
        off += len;
      }
    } catch (IOException | RuntimeException e) {
      stats.error();
      q.stats.error();
      q.complete(c.cid, NvmeStatus.UNRECOVERED_READ_ERROR, 0);
      return;
    }
    if (got < expected) {
      // The file is shorter than its grant says: truncated underneath us. Never hand out zeros as data.
      ns.revoke("file shrank below its granted size " + ns.sizeBytes() + " while reading at " + fileOffset);
      stats.error();
      q.stats.error();
      q.complete(c.cid, NvmeStatus.UNRECOVERED_READ_ERROR, (int) Math.min(got, Integer.MAX_VALUE));
      return;
    }
    q.complete(c.cid, NvmeStatus.SUCCESS, (int) Math.min(got, Integer.MAX_VALUE));
  }

  /** Serves one contiguous destination segment by the policy, counting bytes per path. */
  private long readSegment(ServicedQueue q, Namespace ns, long off, long addr, long len) throws IOException {
    PathPolicy policy = q.policy;
    switch (policy.mode()) {
      case OS -> {
        long n = osPath.read(ns, off, addr, len);
        served(q, PathKind.OS, n);
        return n;
      }
      case DIRECT -> {
        if (!directPath.canServe(ns, off, addr, alignUp(len))) {
          throw new IOException("homi.path=direct cannot serve " + ns.path() + " at " + off + " (O_DIRECT refused or unaligned)");
        }
        long n = directPath.read(ns, off, addr, alignUp(len));
        n = Math.min(n, len);
        served(q, PathKind.DIRECT, n);
        return n;
      }
      default -> {
        long cached = osPath.readCached(ns, off, addr, len);
        if (cached > 0) served(q, PathKind.OS, cached);
        if (cached >= len) return cached;
        long o = off + cached;
        long a = addr + cached;
        long rest = len - cached;
        // Restart the cold remainder at an aligned point so O_DIRECT can take it.
        long skew = (o & (PAGE - 1));
        if (skew == (a & (PAGE - 1)) && rest + skew >= policy.directMinBytes()
            && directPath.canServe(ns, o - skew, a - skew, alignUp(rest + skew))) {
          long n = directPath.read(ns, o - skew, a - skew, alignUp(rest + skew));
          long useful = Math.max(0, Math.min(n - skew, rest));
          served(q, PathKind.DIRECT, useful);
          return cached + useful;
        }
        long n = osPath.read(ns, o, a, rest);
        served(q, PathKind.OS, n);
        return cached + n;
      }
    }
  }

  private void served(ServicedQueue q, PathKind kind, long bytes) {
    stats.served(kind, bytes);
    q.stats.served(kind, bytes);
  }

  /** What this one queue pair's commands did: per-task metrics without other tasks' traffic. */
  public PathStats.Snapshot statsOf(QueuePair qp) {
    for (ServicedQueue q : queues) if (q.qp == qp) return q.stats.snapshot();
    return new PathStats().snapshot();
  }

  private static long alignUp(long n) {
    return (n + PAGE - 1) & -PAGE;
  }

  @Override
  public void close() {
    running = false;
    LockSupport.unpark(service);
    io.shutdown();
    try {
      service.join(2000);
      io.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (ServicedQueue q : queues) q.qp.close();
    queues.clear();
  }

  /** The mediator's side of one queue pair: its SQ head, CQ tail and phase, as a controller keeps them. */
  private static final class ServicedQueue {
    final QueuePair qp;
    final PathPolicy policy;
    final PathStats stats = new PathStats();
    final AtomicInteger inFlight = new AtomicInteger();
    volatile int sqHead;
    int cqTail;
    boolean phase = true; // NVMe: the first pass through a zeroed CQ posts phase 1
    volatile Thread waiter;

    ServicedQueue(QueuePair qp, PathPolicy policy) {
      this.qp = qp;
      this.policy = policy;
    }

    /** Claims a CQ slot for a command about to be fetched; false when none is free. */
    synchronized boolean reserveCompletionSlot() {
      int n = qp.cqEntries();
      int occupied = Math.floorMod(cqTail - qp.cqHead(), n);
      if (occupied + inFlight.get() >= n - 1) return false;
      inFlight.incrementAndGet();
      return true;
    }

    void complete(int cid, NvmeStatus status, int result) {
      synchronized (this) {
        NvmeCompletion.post(qp.cq(), cqTail, result, sqHead, qp.id(), cid, phase, status);
        if (++cqTail == qp.cqEntries()) {
          cqTail = 0;
          phase = !phase;
        }
        inFlight.decrementAndGet();
      }
      Thread w = waiter;
      if (w != null) LockSupport.unpark(w);
    }
  }
}
