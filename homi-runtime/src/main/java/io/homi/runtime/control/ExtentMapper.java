package io.homi.runtime.control;

import io.homi.runtime.os.ErrnoException;
import io.homi.runtime.os.FileIdentity;
import io.homi.runtime.os.HostBuffer;
import io.homi.runtime.os.Libc;
import io.homi.runtime.os.OpenFile;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Builds an {@link ExtentMap}: FIEMAP for the file, the block device from st_dev, the per-flag
 * policy and the exact LBA arithmetic. Anything it cannot vouch for becomes OS-only with the reason
 * written down, never a guessed device address.
 */
public final class ExtentMapper {
  /** File systems whose FIEMAP fe_physical is a byte offset on the block device of st_dev. */
  static final Map<Long, String> DEVICE_ADDRESSED = Map.of(0xEF53L, "ext4", 0x58465342L, "xfs");

  /** Others we name in reasons; their physical addresses are not plain device offsets. */
  static final Map<Long, String> OTHER =
      Map.of(
          0x01021994L,
          "tmpfs",
          0x794c7630L,
          "overlayfs",
          0x9123683EL,
          "btrfs",
          0x6969L,
          "nfs",
          0xF2F52010L,
          "f2fs",
          0x2FC12FC1L,
          "zfs",
          0x65735546L,
          "fuse");

  private ExtentMapper() {}

  /**
   * Maps the whole file. {@code syncFirst} flushes dirty pages before asking (grants need it: an
   * overwrite still in the page cache keeps a normal-looking extent whose disk blocks are stale);
   * otherwise a sync is only retried when DELALLOC/UNKNOWN extents show up.
   */
  public static ExtentMap map(OpenFile file, boolean syncFirst) throws IOException {
    FileIdentity id = file.identity();
    long fsMagic = fsType(file.fd(), file.path());
    String fsName =
        DEVICE_ADDRESSED.getOrDefault(
            fsMagic, OTHER.getOrDefault(fsMagic, String.format("0x%x", fsMagic)));
    String fileReason =
        DEVICE_ADDRESSED.containsKey(fsMagic)
            ? null
            : "file system " + fsName + ": FIEMAP physical addresses are not device offsets";
    BlockDevice device = null;
    try {
      device = BlockDevice.of(id.devMajor(), id.devMinor());
      if (fileReason == null && device.notDirectReason() != null)
        fileReason = device.notDirectReason();
    } catch (IOException e) {
      if (fileReason == null) fileReason = e.getMessage();
    }
    List<Fiemap.Raw> raw;
    try {
      raw = Fiemap.query(file.fd(), 0, id.size(), syncFirst, file.path());
      if (!syncFirst && raw.stream().anyMatch(r -> ExtentPolicy.syncCanHelp(r.flags()))) {
        raw =
            Fiemap.query(
                file.fd(), 0, id.size(), true, file.path()); // once: writeback allocates them
      }
    } catch (Fiemap.RefusedException e) {
      List<Extent> all =
          id.size() == 0
              ? List.of()
              : List.of(new Extent(0, id.size(), -1, 0, ExtentUse.OS_ONLY, e.getMessage(), -1, 0));
      return new ExtentMap(
          file.path(), id, fsName, device, fileReason != null ? fileReason : e.getMessage(), all);
    }
    return new ExtentMap(
        file.path(), id, fsName, device, fileReason, build(raw, id.size(), device, fileReason));
  }

  /**
   * Clips to [0, size), fills gaps with holes and decides each extent. Package-private for tests.
   */
  static List<Extent> build(
      List<Fiemap.Raw> raw, long size, BlockDevice device, String fileReason) {
    List<Fiemap.Raw> sorted = new ArrayList<>(raw);
    sorted.sort(Comparator.comparingLong(Fiemap.Raw::logical));
    List<Extent> out = new ArrayList<>();
    long pos = 0;
    for (Fiemap.Raw r : sorted) {
      long start =
          Math.max(r.logical(), pos); // clips extents that start before the range (or overlap)
      long end = Math.min(r.end(), size); // and those that run past it
      if (end <= start) continue;
      if (start > pos) out.add(Extent.hole(pos, start - pos));
      out.add(decide(r, start, end - start, device, fileReason));
      pos = end;
    }
    if (pos < size) out.add(Extent.hole(pos, size - pos));
    return out;
  }

  private static Extent decide(
      Fiemap.Raw r, long logical, long length, BlockDevice device, String fileReason) {
    long skip = logical - r.logical();
    long physical = r.physical() + skip;
    ExtentPolicy.Decision d = ExtentPolicy.decide(r.flags());
    if (d.use() != ExtentUse.DEVICE)
      return new Extent(logical, length, physical, r.flags(), d.use(), d.reason(), -1, 0);
    if (fileReason != null) return osOnly(logical, length, physical, r.flags(), fileReason);
    int bs = device.logicalBlockSize();
    long lba = device.lba(physical);
    if (lba < 0) {
      return osOnly(
          logical,
          length,
          physical,
          r.flags(),
          "disk byte "
              + device.diskByte(physical)
              + " is not a multiple of the "
              + bs
              + "-byte logical block size");
    }
    long count = (length + bs - 1) / bs;
    // The last block read may run past end of file, but never past the blocks the file owns.
    if (skip + count * bs > r.length()) {
      return osOnly(
          logical,
          length,
          physical,
          r.flags(),
          "extent ends inside a " + bs + "-byte device block");
    }
    if (device.diskSizeBytes() > 0 && (lba + count) * bs > device.diskSizeBytes()) {
      return osOnly(
          logical, length, physical, r.flags(), "physical range past the end of " + device.node());
    }
    return new Extent(logical, length, physical, r.flags(), ExtentUse.DEVICE, null, lba, count);
  }

  private static Extent osOnly(long logical, long length, long physical, int flags, String reason) {
    return new Extent(logical, length, physical, flags, ExtentUse.OS_ONLY, reason, -1, 0);
  }

  /** statfs f_type of the file's file system. */
  static long fsType(int fd, String path) throws IOException {
    try (HostBuffer buf = new HostBuffer(256)) {
      buf.clear();
      Libc.fstatfs(fd, buf.address());
      return buf.getLong(0) & 0xffffffffL;
    } catch (ErrnoException e) {
      throw new IOException("fstatfs " + path + ": " + Libc.strerror(e.errno()), e);
    }
  }
}
