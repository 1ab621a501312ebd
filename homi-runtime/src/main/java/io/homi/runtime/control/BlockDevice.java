package io.homi.runtime.control;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A block device as sysfs describes it, found from a file's st_dev through {@code
 * /sys/dev/block/MAJ:MIN}. The LBA arithmetic is done against the whole disk (the unit a controller
 * addresses): a partition contributes its start, which sysfs always gives in 512-byte sectors
 * whatever the device's logical block size.
 *
 * @param node device node of the whole disk, the one the device path opens
 * @param partitionStartSectors 0 for a whole disk
 * @param kind nvme, virtio, scsi, loop, device-mapper, md or the driver name
 * @param nsid NVMe namespace id, -1 elsewhere
 * @param controller NVMe controller (nvme0) or the bus device (virtio1), null when unknown
 * @param pciAddress domain:bus:device.function of the PCI function behind it, null if none
 * @param notDirectReason why the device path may not use this device (stacked devices), or null
 */
public record BlockDevice(
    int major,
    int minor,
    String name,
    String diskName,
    String node,
    boolean partition,
    long partitionStartSectors,
    int logicalBlockSize,
    long diskSizeBytes,
    String kind,
    int nsid,
    String controller,
    String pciAddress,
    String model,
    String notDirectReason) {
  public static final Path SYSFS = Path.of("/sys");
  private static final Pattern PCI_BDF =
      Pattern.compile("[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\\.[0-7]");
  private static final Pattern NVME_NS = Pattern.compile("nvme\\d+(?:c\\d+)?n(\\d+)");

  public static BlockDevice of(int major, int minor) throws IOException {
    return of(SYSFS, major, minor);
  }

  /**
   * Reads sysfs under {@code sysfs} (a copy of /sys in tests); fails with the reason when it
   * cannot.
   */
  public static BlockDevice of(Path sysfs, int major, int minor) throws IOException {
    if (major == 0) {
      throw new IOException(
          "st_dev "
              + major
              + ":"
              + minor
              + " is an anonymous device (tmpfs, overlayfs,"
              + " btrfs subvolume, network fs): there is no block device behind it");
    }
    Path link = sysfs.resolve("dev/block/" + major + ":" + minor);
    if (!Files.exists(link))
      throw new IOException(
          "no " + link + ": device " + major + ":" + minor + " is not a block device");
    Path dir = link.toRealPath();
    boolean partition = Files.exists(dir.resolve("partition"));
    Path disk = partition ? dir.getParent() : dir;
    long start = partition ? readLong(dir.resolve("start")) : 0;
    int lbaSize = (int) readLong(disk.resolve("queue/logical_block_size"));
    long diskSize = readLong(disk.resolve("size")) * 512; // sysfs size: 512-byte sectors too
    String diskName = disk.getFileName().toString();
    Path dev = disk.resolve("device");
    String driver = linkName(dev.resolve("driver"));
    String kind;
    String reason = null;
    int nsid = -1;
    String controller = Files.exists(dev) ? dev.toRealPath().getFileName().toString() : null;
    Matcher m = NVME_NS.matcher(diskName);
    if (Files.isDirectory(disk.resolve("dm"))) {
      kind = "device-mapper";
      reason =
          "device-mapper target "
              + readString(disk.resolve("dm/name"))
              + ": the file system's physical"
              + " addresses are in the mapped space, with no single controller namespace behind them";
      controller = null;
    } else if (Files.isDirectory(disk.resolve("md"))) {
      kind = "md";
      reason = "md RAID " + diskName + ": blocks are striped or mirrored over member devices";
      controller = null;
    } else if (m.matches()) {
      kind = "nvme";
      nsid =
          Files.exists(disk.resolve("nsid"))
              ? (int) readLong(disk.resolve("nsid"))
              : Integer.parseInt(m.group(1));
    } else if (diskName.startsWith("loop")) {
      kind = "loop";
      controller = null;
    } else if ("virtio_blk".equals(driver)) {
      kind = "virtio";
    } else if ("sd".equals(driver)) {
      kind = "scsi";
    } else {
      kind = driver != null ? driver : "unknown";
    }
    String model = Files.exists(dev.resolve("model")) ? readString(dev.resolve("model")) : null;
    return new BlockDevice(
        major,
        minor,
        dir.getFileName().toString(),
        diskName,
        "/dev/" + diskName,
        partition,
        start,
        lbaSize,
        diskSize,
        kind,
        nsid,
        controller,
        pciAddress(disk),
        model,
        reason);
  }

  /** Byte offset on the whole disk of a partition-relative physical byte address. */
  public long diskByte(long physical) {
    return partitionStartSectors * 512 + physical;
  }

  /**
   * The LBA holding {@code physical} (partition-relative bytes), or -1 when not on an LBA boundary.
   */
  public long lba(long physical) {
    long b = diskByte(physical);
    return b % logicalBlockSize == 0 ? b / logicalBlockSize : -1;
  }

  /** The last PCI function on the sysfs path of the disk: the controller's, not a bridge's. */
  static String pciAddress(Path disk) {
    String found = null;
    for (Path p : disk) {
      String s = p.toString();
      if (PCI_BDF.matcher(s).matches()) found = s;
    }
    return found;
  }

  private static String linkName(Path p) throws IOException {
    return Files.isSymbolicLink(p) ? Files.readSymbolicLink(p).getFileName().toString() : null;
  }

  static String readString(Path p) throws IOException {
    return Files.readString(p).trim();
  }

  static long readLong(Path p) throws IOException {
    String s = readString(p);
    try {
      return Long.parseLong(s);
    } catch (NumberFormatException e) {
      throw new IOException("unexpected content '" + s + "' in " + p, e);
    }
  }
}
