package io.homi.runtime.mediator;

import io.homi.runtime.os.HostBuffer;
import io.homi.runtime.os.Libc;
import java.io.IOException;

/**
 * Moves the bytes of a validated read into its destination segments by the path its queue's policy
 * picks, zero-fills the part of the last block past end of file, and counts every byte against the
 * path that moved it. Thread-safe; runs on I/O threads, and on the service thread for the
 * non-blocking cached attempt.
 *
 * <p>Host memory and device memory are written by disjoint code: a command whose segments are
 * device memory ({@link Validated#device()}) goes to the {@link DeviceMemoryPath} alone, for its
 * data and for its past-EOF zeros (cuMemsetD8); every host path and host zero fill is reached only
 * for host segments. Without a GPU path such a command fails before any I/O.
 */
final class CommandExecutor {
  static final long PAGE = 4096;

  private final OsPath osPath = new OsPath();
  private final DirectPath directPath = new DirectPath();
  private final PageResidency residency = new PageResidency();
  private final DevicePath devicePath;
  private final PassthroughPath passthroughPath;
  private final VfPath vfPath;
  private volatile DeviceMemoryPath gpuPath;

  CommandExecutor(DevicePath devicePath) {
    this(devicePath, new PassthroughPath(devicePath), null);
  }

  /** {@code vfPath}: null where this executor has none (homi.path=vf then fails clearly). */
  CommandExecutor(DevicePath devicePath, PassthroughPath passthroughPath, VfPath vfPath) {
    this.devicePath = devicePath;
    this.passthroughPath = passthroughPath;
    this.vfPath = vfPath;
  }

  void setGpuPath(DeviceMemoryPath path) {
    this.gpuPath = path;
  }

  DeviceMemoryPath gpuPath() {
    return gpuPath;
  }

  /**
   * Why this valid command cannot be served under {@code policy} at all (its destination's kind
   * against the mode and the GPU path), or null when it can. Checked before any I/O.
   */
  String refusal(Validated v, PathPolicy policy) {
    PathPolicy.Mode mode = policy.mode();
    if (v.device()) {
      // A forced host path (os, direct, device, passthrough) governs host destinations only: a
      // device destination is always the GPU path's, on the same queue, namespace and grants.
      if (gpuPath == null) {
        return "destination 0x"
            + Long.toHexString(v.segments()[0])
            + " is device memory and this mediator has no"
            + " GPU path (no usable GPU, or none attached)";
      }
    } else if (mode == PathPolicy.Mode.GPU) {
      return "homi.path=gpu writes device memory only: destination 0x"
          + Long.toHexString(v.segments()[0])
          + " is host memory";
    }
    return null;
  }

  /** The outcome of a read: bytes of file data moved, and whether the file had them all. */
  record Outcome(long bytes, boolean complete) {}

  /**
   * Serves the command only if the page cache holds all of it, without blocking (RWF_NOWAIT), and
   * returns its bytes of file data; -1 when it does not, in which case nothing is counted and the
   * caller queues the command. Under {@code auto}, a segment large enough to go to a cold-data path
   * is first asked of mincore ({@link #coldCandidate}): a RWF_NOWAIT miss would start readahead of
   * pages that the O_DIRECT read then fetches a second time. Smaller segments are probed by
   * RWF_NOWAIT alone (one system call): their cold remainder is a buffered read, which readahead
   * only helps. Bytes are counted in {@code stats}: the command's queue pair (which adds into the
   * mediator's).
   */
  long tryCached(Validated v, PathPolicy policy, PathStats stats) {
    if (v.device()) return -1; // never on the host copy path: device memory is the GPU path's
    Namespace ns = v.ns();
    long off = v.command().fileOffset();
    long got = 0;
    long[] segs = v.segments();
    for (int i = 0; i < segs.length; i += 2) {
      long want = Math.max(0, Math.min(segs[i + 1], ns.sizeBytes() - off));
      if (want > 0
          && coldCandidate(policy, off, want)
          && residency.residentPrefix(ns, off, want) < want) return -1;
      if (want > 0 && osPath.readCached(ns, off, segs[i], want) < want) return -1;
      off += segs[i + 1];
      got += want;
    }
    // Second pass only once everything is known to be served: zero tails, count bytes.
    off = v.command().fileOffset();
    for (int i = 0; i < segs.length; i += 2) {
      long want = Math.max(0, Math.min(segs[i + 1], ns.sizeBytes() - off));
      if (want < segs[i + 1]) zeroHost(segs[i] + want, segs[i + 1] - want);
      off += segs[i + 1];
    }
    stats.servedInline(PathKind.OS, got);
    return got;
  }

  /** Most iovecs in one vectored read of a run of commands. */
  static final int RUN_IOVECS = 256;

  private static final ThreadLocal<HostBuffer> RUN_IOV =
      ThreadLocal.withInitial(() -> new HostBuffer(16L * RUN_IOVECS));

  /**
   * Whether this command may join a run of file-contiguous commands served by one vectored {@code
   * preadv2(RWF_NOWAIT)} on the service thread: host memory, wholly inside the file (no zero tail),
   * on a policy that copies cached data, and under {@code auto} too small to be sent to a cold path
   * (so the RWF_NOWAIT probe is the right question).
   */
  boolean batchable(Validated v, PathPolicy policy) {
    if (v.device() || v.segments().length > 2 * 16) return false;
    PathPolicy.Mode mode = policy.mode();
    if (mode != PathPolicy.Mode.OS && mode != PathPolicy.Mode.AUTO) return false;
    long off = v.command().fileOffset();
    long bytes = v.command().bytes();
    if (off + bytes > v.ns().sizeBytes()) return false;
    return mode == PathPolicy.Mode.OS || !coldCandidate(policy, off, bytes);
  }

  /**
   * Serves the first {@code k} commands of {@code run} (batchable, same namespace, each starting
   * where the previous one ends in the file) with one vectored RWF_NOWAIT read; returns how many
   * leading commands the page cache fully served (counted inline). The rest are the caller's to
   * serve one by one; a command the read only partly filled is simply read again.
   */
  int tryCachedRun(Validated[] run, int k, PathStats stats) {
    HostBuffer iov = RUN_IOV.get();
    int n = 0;
    int cmds = 0;
    for (; cmds < k; cmds++) {
      long[] segs = run[cmds].segments();
      if (n + segs.length / 2 > RUN_IOVECS) break;
      for (int i = 0; i < segs.length; i += 2, n++) {
        iov.putLong(16L * n, segs[i]);
        iov.putLong(16L * n + 8, segs[i + 1]);
      }
    }
    Namespace ns = run[0].ns();
    long got = osPath.readCachedVector(ns, run[0].command().fileOffset(), iov.address(), n);
    int served = 0;
    long acc = 0;
    for (int i = 0; i < cmds; i++) {
      long b = run[i].command().bytes();
      if (acc + b > got) break;
      acc += b;
      served++;
      stats.servedInline(PathKind.OS, b);
    }
    return served;
  }

  /** Serves the command by its policy; may block on the device. */
  Outcome run(Validated v, PathPolicy policy, PathStats stats) throws IOException {
    String refused = refusal(v, policy);
    if (refused != null) throw new IOException(refused);
    stats.executed();
    if (v.device()) return runDevice(v, stats);
    Namespace ns = v.ns();
    return walk(
        v,
        new SegmentIo() {
          @Override
          public long read(long off, long addr, long want) throws IOException {
            return readSegment(policy, stats, ns, off, addr, want);
          }

          @Override
          public void zero(long addr, long len) {
            zeroHost(addr, len);
          }
        });
  }

  /** A command into device memory: the GPU path moves the bytes and writes the past-EOF zeros. */
  private Outcome runDevice(Validated v, PathStats stats) throws IOException {
    DeviceMemoryPath gpu = gpuPath;
    if (gpu == null) throw new IOException(refusal(v, new PathPolicy(PathPolicy.Mode.GPU, 0)));
    Namespace ns = v.ns();
    return walk(
        v,
        new SegmentIo() {
          @Override
          public long read(long off, long addr, long want) throws IOException {
            return counted(stats, PathKind.GPU, Math.min(want, gpu.read(ns, off, addr, want)));
          }

          @Override
          public void zero(long addr, long len) throws IOException {
            gpu.zero(addr, len); // cuMemsetD8
          }
        });
  }

  /**
   * How one destination segment is filled: host and device memory differ only in these two steps.
   */
  private interface SegmentIo {
    long read(long fileOffset, long address, long want) throws IOException;

    void zero(long address, long length) throws IOException;
  }

  /**
   * Walks a command's destination segments through consecutive file bytes; past end of file a
   * segment reads as zeros, and a short read stops the walk (the caller reports it).
   */
  private static Outcome walk(Validated v, SegmentIo io) throws IOException {
    Namespace ns = v.ns();
    long off = v.command().fileOffset();
    long expected = Math.max(0, Math.min(v.command().bytes(), ns.sizeBytes() - off));
    long got = 0;
    long[] segs = v.segments();
    for (int i = 0; i < segs.length; i += 2) {
      long addr = segs[i];
      long len = segs[i + 1];
      long want = Math.max(0, Math.min(len, ns.sizeBytes() - off));
      long n = want == 0 ? 0 : io.read(off, addr, want);
      if (n < len) io.zero(addr + n, len - n);
      got += n;
      if (n < want) break; // the file is shorter than its grant
      off += len;
    }
    return new Outcome(got, got >= expected);
  }

  /** Zero fill of HOST memory; callers reach it only for segments the registry marked host. */
  static void zeroHost(long addr, long len) {
    Libc.setMemory(addr, len, (byte) 0);
  }

  /** Serves one contiguous destination segment by the policy, counting bytes per path. */
  private long readSegment(
      PathPolicy policy, PathStats stats, Namespace ns, long off, long addr, long len)
      throws IOException {
    switch (policy.mode()) {
      case OS -> {
        return counted(stats, PathKind.OS, osPath.read(ns, off, addr, len));
      }
      case DIRECT -> {
        if (!directPath.canServe(ns, off, addr, alignUp(len))) {
          throw new IOException(
              "homi.path=direct cannot serve "
                  + ns.path()
                  + " at "
                  + off
                  + " (O_DIRECT refused by the file system, or destination not 4 KiB aligned)");
        }
        return counted(
            stats, PathKind.DIRECT, Math.min(len, directPath.read(ns, off, addr, alignUp(len))));
      }
      case DEVICE -> {
        if (!devicePath.canServe(ns, off, addr, alignUp(len))) {
          throw new IOException(
              "homi.path=device cannot serve "
                  + ns.path()
                  + " at "
                  + off
                  + " (no grant for the block device, an OS-only extent, or the device cannot be opened)");
        }
        return counted(
            stats, PathKind.DEVICE, Math.min(len, devicePath.read(ns, off, addr, alignUp(len))));
      }
      case PASSTHROUGH -> {
        if (!passthroughPath.canServe(ns, off, addr, alignUp(len))) {
          throw new IOException(
              "homi.path=passthrough cannot serve "
                  + ns.path()
                  + " at "
                  + off
                  + " (no grant, an OS-only extent, or no NVMe generic char device /dev/ngXnY that opens)");
        }
        return counted(
            stats,
            PathKind.PASSTHROUGH,
            Math.min(len, passthroughPath.read(ns, off, addr, alignUp(len))));
      }
      case VF -> {
        if (vfPath == null || !vfPath.canServe(ns, off, addr, alignUp(len))) {
          throw new IOException(
              "homi.path=vf cannot serve "
                  + ns.path()
                  + " at "
                  + off
                  + " (no grant, an OS-only extent, or no SR-IOV virtual function to be had)");
        }
        return counted(stats, PathKind.VF, Math.min(len, vfPath.read(ns, off, addr, alignUp(len))));
      }
      default -> {
        return auto(policy, stats, ns, off, addr, len);
      }
    }
  }

  /**
   * {@code auto}: what the page cache holds is copied on the OS path without blocking; a cold
   * remainder large enough goes to a cold-data path, anything else is a blocking OS read.
   */
  private long auto(PathPolicy policy, PathStats stats, Namespace ns, long off, long addr, long len)
      throws IOException {
    long cached;
    long prefix =
        coldCandidate(policy, off, len)
            ? residency.residentPrefix(ns, off, len)
            : PageResidency.UNKNOWN;
    if (prefix == PageResidency.UNKNOWN) {
      cached = osPath.readCached(ns, off, addr, len); // small (or cannot ask): probe by RWF_NOWAIT
    } else {
      // Only the pages mincore saw resident are copied; the cold rest is never probed, so no
      // readahead starts for the range the cold path is about to read.
      cached = prefix == 0 ? 0 : osPath.readCached(ns, off, addr, Math.min(prefix, len));
    }
    if (cached > 0) stats.served(PathKind.OS, cached);
    if (cached >= len) return cached;
    long o = off + cached;
    long a = addr + cached;
    long rest = len - cached;
    // Restart the cold remainder at the block boundary below it so O_DIRECT can take it; the
    // bytes re-read in between are the same file bytes already copied.
    long skew = o & (PAGE - 1);
    if (skew == (a & (PAGE - 1)) && skew <= cached && rest + skew >= policy.directMinBytes()) {
      IoPath cold = coldPath(ns, o - skew, a - skew, alignUp(rest + skew));
      if (cold != null) {
        long n = cold.read(ns, o - skew, a - skew, alignUp(rest + skew));
        return cached + counted(stats, cold.kind(), Math.max(0, Math.min(n - skew, rest)));
      }
    }
    return cached + counted(stats, PathKind.OS, osPath.read(ns, o, a, rest));
  }

  /**
   * The path for a cold, aligned remainder under {@code auto}, or null for the OS path. This is
   * where the grant's paths plug in: NVMe passthrough (Read commands on the controller) where the
   * namespace's generic char device opens, else the Device path (O_DIRECT on the block device by
   * LBA), each when the grant permits the range; Direct otherwise.
   */
  private IoPath coldPath(Namespace ns, long off, long addr, long len) {
    if (passthroughPath.canServe(ns, off, addr, len)) return passthroughPath;
    if (devicePath.canServe(ns, off, addr, len)) return devicePath;
    return directPath.canServe(ns, off, addr, len) ? directPath : null;
  }

  /**
   * Under {@code auto}: whether this host command is cold from its first byte (mincore) in every
   * segment, each large enough for a cold path, and Direct is that path (no Device grant serves
   * it): then {@link #auto} would read it all by O_DIRECT, and the Direct ring can take it whole.
   * Asked on the service thread before queueing; reading nothing, it starts no readahead.
   */
  boolean coldForDirect(Validated v, PathPolicy policy) {
    if (v.device() || policy.mode() != PathPolicy.Mode.AUTO) return false;
    Namespace ns = v.ns();
    long off = v.command().fileOffset();
    long[] segs = v.segments();
    for (int i = 0; i < segs.length; i += 2) {
      long want = Math.max(0, Math.min(segs[i + 1], ns.sizeBytes() - off));
      if (want > 0) {
        if (!coldCandidate(policy, off, want) || residency.residentPrefix(ns, off, want) != 0)
          return false;
        if (devicePath.canServe(ns, off, segs[i], alignUp(want))) return false;
        if (passthroughPath.canServe(ns, off, segs[i], alignUp(want))) return false;
        if (!directPath.canServe(ns, off, segs[i], alignUp(want))) return false;
      }
      off += segs[i + 1];
    }
    return true;
  }

  /**
   * Under {@code auto}: whether a cold remainder of this segment could be large enough for a
   * cold-data path, so residency must be asked of mincore rather than probed by RWF_NOWAIT.
   */
  private static boolean coldCandidate(PathPolicy policy, long off, long len) {
    return policy.mode() == PathPolicy.Mode.AUTO
        && len + (off & (PAGE - 1)) >= policy.directMinBytes();
  }

  /** Unmaps the residency mappings. */
  void close() {
    residency.close();
  }

  private static long counted(PathStats stats, PathKind kind, long n) {
    stats.served(kind, n);
    return n;
  }

  private static long alignUp(long n) {
    return (n + PAGE - 1) & -PAGE;
  }
}
