package io.homi.runtime.mediator;

import io.homi.runtime.control.BlockDevice;
import io.homi.runtime.control.Extent;
import io.homi.runtime.control.ExtentUse;
import io.homi.runtime.control.Grant;
import io.homi.runtime.os.ErrnoException;
import io.homi.runtime.os.Libc;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * O_DIRECT reads on the block device by LBA: the path that on an NVMe controller goes to a device
 * queue. A namespace is served only through the {@link Grant} bound to it: every block read is
 * checked against the grant's LBA ranges, holes and UNWRITTEN extents are filled with zeros without
 * touching the device, OS-only extents are refused, bytes past end of file are zeroed (a device
 * block holds whatever follows the file), and the file's identity is re-checked after the read so a
 * file changed underneath never yields mixed data. Opens the device read-only; it never writes to
 * it.
 */
public final class DevicePath implements IoPath, AutoCloseable {
  private final ConcurrentHashMap<Namespace, Grant> grants = new ConcurrentHashMap<>();

  /**
   * Device node to descriptor, or to -errno when the open was refused (remembered, not retried).
   */
  private final ConcurrentHashMap<String, Integer> deviceFds = new ConcurrentHashMap<>();

  @Override
  public PathKind kind() {
    return PathKind.DEVICE;
  }

  /** Serves {@code ns} through {@code grant}; revoking the grant revokes the namespace. */
  public void bind(Namespace ns, Grant grant) {
    if (!grant.identity().equals(ns.grantedIdentity())) {
      throw new IllegalArgumentException(
          "grant for "
              + grant.extentMap().path()
              + " is for another identity of the file than namespace "
              + ns.nsid()
              + " ("
              + grant.identity()
              + " vs "
              + ns.grantedIdentity()
              + ")");
    }
    grants.put(ns, grant);
    grant.onRevoke(ns::revoke);
  }

  public void unbind(Namespace ns) {
    grants.remove(ns);
  }

  /**
   * The descriptor of the device behind {@code grant}, or a negative errno when it cannot be
   * opened.
   */
  public int deviceFd(Grant grant) {
    BlockDevice d = grant.device();
    return d == null ? -1 : deviceFd(d);
  }

  /**
   * The descriptor of {@code d} opened read-only with O_DIRECT, or a negative errno (remembered).
   */
  public int deviceFd(BlockDevice d) {
    return deviceFds.computeIfAbsent(
        d.node(),
        node -> {
          try {
            return Libc.open(node, Libc.O_RDONLY | Libc.O_DIRECT | Libc.O_CLOEXEC);
          } catch (ErrnoException e) {
            return -e.errno();
          }
        });
  }

  @Override
  public boolean canServe(Namespace ns, long fileOffset, long address, long length) {
    if (!canServeGranted(ns, fileOffset, address, length)) return false;
    Grant g = grants.get(ns);
    long avail = Math.min(length, ns.sizeBytes() - fileOffset);
    return g.extentMap().overlapping(fileOffset, avail).stream()
            .noneMatch(e -> e.use() == ExtentUse.DEVICE)
        || deviceFd(g) >= 0;
  }

  /**
   * Whether the grant bound to {@code ns} covers this read: live, aligned to the device block, no
   * OS-only extent in it. What any path reading device blocks by LBA needs first.
   */
  boolean canServeGranted(Namespace ns, long fileOffset, long address, long length) {
    Grant g = grants.get(ns);
    if (g == null || g.isRevoked() || ns.isRevoked() || g.device() == null) return false;
    long bs = g.device().logicalBlockSize();
    if (((fileOffset | address | length) & (Math.max(bs, Namespace.LBA_SIZE) - 1)) != 0)
      return false;
    long avail = Math.min(length, ns.sizeBytes() - fileOffset);
    List<Extent> es = g.extentMap().overlapping(fileOffset, avail);
    return es.stream().noneMatch(e -> e.use() == ExtentUse.OS_ONLY);
  }

  /**
   * Reads {@code count} device blocks from {@code lba} into {@code dst}: how a path moves the
   * blocks the grant allowed (O_DIRECT pread here; an NVMe Read on the controller for {@link
   * PassthroughPath}).
   */
  interface BlockReader {
    void read(Grant g, long lba, long count, long dst, int blockSize, String what)
        throws IOException;
  }

  /** The grant bound to {@code ns}, or null. */
  Grant grant(Namespace ns) {
    return grants.get(ns);
  }

  @Override
  public long read(Namespace ns, long fileOffset, long address, long length) throws IOException {
    return read(ns, fileOffset, address, length, this::preadBlocks);
  }

  /**
   * The grant-checked walk of {@link #read}, with the device blocks moved by {@code blocks}: every
   * block range checked against the grant before it is read, holes zeroed, OS-only extents refused,
   * the tail past end of file zeroed, the file's identity re-checked afterwards.
   */
  long read(Namespace ns, long fileOffset, long address, long length, BlockReader blocks)
      throws IOException {
    Grant g = grants.get(ns);
    if (g == null)
      throw new IOException(
          "device read of " + ns.path() + ": no grant bound to namespace " + ns.nsid());
    if (g.isRevoked() || ns.isRevoked()) {
      throw new IOException(
          "device read of "
              + ns.path()
              + " refused: grant revoked ("
              + (g.isRevoked() ? g.revokedReason() : ns.revokedReason())
              + ")");
    }
    if (g.device() == null)
      throw new IOException("device read of " + ns.path() + ": " + g.extentMap().osOnlyReason());
    int bs = g.device().logicalBlockSize();
    if (((fileOffset | address | length) & (Math.max(bs, Namespace.LBA_SIZE) - 1)) != 0) {
      throw new IOException(
          "device read of "
              + ns.path()
              + " at "
              + fileOffset
              + " ("
              + length
              + " bytes): offset, length and buffer must be "
              + Math.max(bs, Namespace.LBA_SIZE)
              + "-byte aligned");
    }
    long avail = Math.max(0, Math.min(length, ns.sizeBytes() - fileOffset));
    for (Extent e : g.extentMap().overlapping(fileOffset, avail)) {
      long from = Math.max(fileOffset, e.logical());
      long to = Math.min(fileOffset + avail, e.end());
      long dst = address + (from - fileOffset);
      switch (e.use()) {
        case ZEROS -> Libc.setMemory(dst, to - from, (byte) 0);
        case OS_ONLY ->
            throw new IOException(
                "device read of "
                    + ns.path()
                    + " at "
                    + from
                    + ": extent ["
                    + e.logical()
                    + ", "
                    + e.end()
                    + ") is OS-path only: "
                    + e.reason());
        case DEVICE -> readBlocks(ns, g, e, from, to, dst, bs, blocks);
      }
    }
    if (avail < length) Libc.setMemory(address + avail, length - avail, (byte) 0);
    // Close the FIEMAP race: if the file moved on while we read its old blocks, fail, never mix.
    String changed = g.recheck(ns.file());
    if (changed != null)
      throw new IOException(
          "device read of " + ns.path() + " at " + fileOffset + " discarded: " + changed);
    return avail;
  }

  private void readBlocks(
      Namespace ns, Grant g, Extent e, long from, long to, long dst, int bs, BlockReader blocks)
      throws IOException {
    long skip = from - e.logical();
    if (skip % bs != 0)
      throw new IOException(
          "device read of " + ns.path() + " at " + from + ": not on a device block boundary");
    long lba = e.lba() + skip / bs;
    long count = (to - from + bs - 1) / bs;
    if (!g.allows(lba, count)) {
      throw new IOException(
          "device read of "
              + ns.path()
              + " at "
              + from
              + ": LBAs ["
              + lba
              + ", "
              + (lba + count)
              + ") of "
              + g.device().node()
              + " are outside the grant"
              + (g.isRevoked() ? " (revoked: " + g.revokedReason() + ")" : ""));
    }
    blocks.read(g, lba, count, dst, bs, ns.path() + " at " + from);
    // The last block of a file holds bytes that are not the file's: never hand them out.
    long tail = count * bs - (to - from);
    if (tail > 0) Libc.setMemory(dst + (to - from), tail, (byte) 0);
  }

  private void preadBlocks(Grant g, long lba, long count, long dst, int bs, String what)
      throws IOException {
    int fd = deviceFd(g);
    if (fd < 0) {
      throw new IOException(
          "cannot open "
              + g.device().node()
              + " for device reads of "
              + what
              + ": "
              + (fd == -1 ? "no device" : Libc.strerror(-fd)));
    }
    long n;
    try {
      n = Libc.preadFully(fd, dst, count * bs, lba * bs);
    } catch (ErrnoException ex) {
      throw new IOException(
          "O_DIRECT pread "
              + g.device().node()
              + " LBA "
              + lba
              + " (+"
              + count
              + ") for "
              + what
              + ": "
              + Libc.strerror(ex.errno()),
          ex);
    }
    if (n != count * bs)
      throw new IOException(
          "short device read of " + g.device().node() + " at LBA " + lba + ": " + n + " bytes");
  }

  @Override
  public void close() {
    for (int fd : deviceFds.values()) if (fd >= 0) Libc.close(fd);
    deviceFds.clear();
  }
}
