package io.homi.runtime.mediator;

import io.homi.runtime.control.BlockDevice;
import io.homi.runtime.control.Grant;
import io.homi.runtime.nvme.NvmeStatusException;
import io.homi.runtime.os.ErrnoException;
import io.homi.runtime.os.IoUring;
import io.homi.runtime.os.Libc;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;

/**
 * NVMe passthrough: each validated read becomes real NVMe Read commands on the controller, through
 * the namespace's generic char device (/dev/ngXnY) and io_uring {@code URING_CMD}. The file's
 * blocks are found and checked exactly as on the {@link DevicePath} (same grants, same walk: holes
 * zeroed, OS-only extents refused, LBAs checked against the grant before any command is built, the
 * file's identity re-checked after); only the moving of allowed blocks differs: NVMe Reads of at
 * most the controller's transfer size, the controller's completion status carried back ({@link
 * NvmeStatusException}). The OS keeps authority: the char device's permissions decide, the kernel's
 * nvme driver stays bound, only Read (opcode 0x02) is sent.
 */
public final class PassthroughPath implements IoPath, AutoCloseable {
  private static final int RING_ENTRIES = 32;
  private static final int RING_FLAGS = IoUring.IORING_SETUP_SQE128 | IoUring.IORING_SETUP_CQE32;

  private final DevicePath device;

  /** Per namespace block device: its char device and rings, or why there is none (remembered). */
  private final ConcurrentHashMap<String, Object> channels = new ConcurrentHashMap<>();

  public PassthroughPath(DevicePath device) {
    this.device = device;
  }

  @Override
  public PathKind kind() {
    return PathKind.PASSTHROUGH;
  }

  /** The generic char device of an NVMe namespace block device (nvme0n1 -> /dev/ng0n1), or null. */
  static String genericNode(BlockDevice d) {
    if (!"nvme".equals(d.kind()) || !d.diskName().startsWith("nvme")) return null;
    return "/dev/ng" + d.diskName().substring("nvme".length());
  }

  /**
   * Why passthrough cannot serve {@code d}, or null when it can (opens the char device and a ring
   * once).
   */
  public String unavailable(BlockDevice d) {
    Object c = channel(d);
    return c instanceof String why ? why : null;
  }

  private Object channel(BlockDevice d) {
    return channels.computeIfAbsent(d.node(), n -> open(d));
  }

  private static Object open(BlockDevice d) {
    String ng = genericNode(d);
    if (ng == null)
      return d.node() + " is a " + d.kind() + " device, not an NVMe namespace (no /dev/ngXnY)";
    if (!Files.exists(Path.of(ng)))
      return ng + " does not exist (kernel before 5.13, or no generic char device)";
    int fd;
    try {
      fd = Libc.open(ng, Libc.O_RDONLY | Libc.O_CLOEXEC);
    } catch (ErrnoException e) {
      return "cannot open " + ng + " read-only: " + Libc.strerror(e.errno());
    }
    Channel ch = new Channel(d, ng, fd, transferLimit(d));
    try {
      ch.release(ch.ring()); // proves SQE128 | CQE32 rings can be had here
    } catch (IOException e) {
      ch.close();
      return "io_uring with 128-byte SQEs and 32-byte CQEs refused: " + e.getMessage();
    }
    return ch;
  }

  /**
   * Largest transfer of one command: the kernel's limit for the namespace (max_hw_sectors_kb, from
   * the controller's MDTS) and its page count (max_segments), at most 1 MiB.
   */
  static long transferLimit(BlockDevice d) {
    Path q = Path.of("/sys/block", d.diskName(), "queue");
    long limit = 1L << 20;
    try {
      limit =
          Math.min(
              limit, Long.parseLong(Files.readString(q.resolve("max_hw_sectors_kb")).trim()) << 10);
      long segs = Long.parseLong(Files.readString(q.resolve("max_segments")).trim());
      if (segs > 1) limit = Math.min(limit, (segs - 1) * 4096); // an unaligned start costs one page
    } catch (IOException | NumberFormatException e) {
      limit = 128L << 10; // conservative where sysfs does not say
    }
    return Math.max(4096, limit & -4096L);
  }

  @Override
  public boolean canServe(Namespace ns, long fileOffset, long address, long length) {
    Grant g = device.grant(ns);
    if (g == null || g.device() == null || unavailable(g.device()) != null) return false;
    return device.canServeGranted(ns, fileOffset, address, length);
  }

  @Override
  public long read(Namespace ns, long fileOffset, long address, long length) throws IOException {
    return device.read(ns, fileOffset, address, length, this::readBlocks);
  }

  private void readBlocks(Grant g, long lba, long count, long dst, int bs, String what)
      throws IOException {
    Object c = channel(g.device());
    if (c instanceof String why) throw new IOException("NVMe passthrough for " + what + ": " + why);
    ((Channel) c).read(lba, count, dst, bs, what);
  }

  /**
   * Reads {@code count} blocks at {@code lba} of {@code d} with NVMe Reads, no grant involved: for
   * tests of the controller's status reaching the caller (e.g. an LBA past the namespace).
   */
  void readLbasUnchecked(BlockDevice d, long lba, long count, long dst) throws IOException {
    Object c = channel(d);
    if (c instanceof String why) throw new IOException(why);
    ((Channel) c).read(lba, count, dst, d.logicalBlockSize(), "LBA " + lba);
  }

  @Override
  public void close() {
    for (Object c : channels.values()) if (c instanceof Channel ch) ch.close();
    channels.clear();
  }

  /** One namespace's char device and a pool of rings, one per concurrent reader. */
  private static final class Channel {
    private final BlockDevice d;
    private final String ng;
    private final int fd;
    private final long maxBytes;
    private final ConcurrentLinkedDeque<IoUring> idle = new ConcurrentLinkedDeque<>();
    private final Map<IoUring, Boolean> all = new ConcurrentHashMap<>();

    Channel(BlockDevice d, String ng, int fd, long maxBytes) {
      this.d = d;
      this.ng = ng;
      this.fd = fd;
      this.maxBytes = maxBytes;
    }

    IoUring ring() throws IOException {
      IoUring r = idle.pollFirst();
      if (r != null) return r;
      r = IoUring.open(RING_ENTRIES, RING_FLAGS);
      all.put(r, Boolean.TRUE);
      return r;
    }

    void release(IoUring r) {
      idle.addFirst(r);
    }

    /**
     * NVMe Reads of the range in commands of at most maxBytes; waits for every one before
     * returning.
     */
    void read(long lba, long count, long dst, int bs, String what) throws IOException {
      long perCmd = maxBytes / bs;
      long commands = (count + perCmd - 1) / perCmd;
      IoUring r = ring();
      long[] firstError = {0};
      String[] errorText = {null};
      try {
        long next = 0;
        long done = 0;
        while (done < commands) {
          while (next < commands) {
            long l = lba + next * perCmd;
            long n = Math.min(perCmd, count - next * perCmd);
            if (!r.prepareNvmeIo(
                fd,
                IoUring.NVME_CMD_READ,
                d.nsid(),
                dst + (l - lba) * bs,
                (int) (n * bs),
                l,
                (int) (n - 1),
                next)) {
              break;
            }
            next++;
          }
          r.submit();
          if (r.reapCommands(
                  (tag, res, dw0) -> record(firstError, errorText, tag, res, lba, perCmd))
              == 0) {
            r.waitForCompletions(1);
          }
          done = next - r.inFlight();
        }
      } finally {
        // Never return while the controller may still write into dst.
        while (r.inFlight() > 0) {
          r.submit();
          if (r.reapCommands(
                  (tag, res, dw0) -> record(firstError, errorText, tag, res, lba, perCmd))
              == 0) {
            r.waitForCompletions(1);
          }
        }
        release(r);
      }
      int res = (int) firstError[0];
      if (res > 0)
        throw new NvmeStatusException(
            "NVMe Read on " + ng + " (nsid " + d.nsid() + ") " + errorText[0] + " for " + what,
            res);
      if (res < 0) {
        throw new IOException(
            "NVMe Read on "
                + ng
                + " (nsid "
                + d.nsid()
                + ") "
                + errorText[0]
                + " for "
                + what
                + ": "
                + Libc.strerror(-res)
                + " (errno "
                + -res
                + ")");
      }
    }

    private static void record(
        long[] firstError, String[] text, long tag, int res, long lba, long perCmd) {
      if (res != 0 && firstError[0] == 0) {
        firstError[0] = res;
        text[0] = "at LBA " + (lba + tag * perCmd);
      }
    }

    void close() {
      for (IoUring r : all.keySet()) r.close();
      all.clear();
      idle.clear();
      Libc.close(fd);
    }
  }
}
