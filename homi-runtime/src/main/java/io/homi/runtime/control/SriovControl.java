package io.homi.runtime.control;

import io.homi.runtime.os.HostBuffer;
import io.homi.runtime.os.NvmeAdmin;
import io.homi.runtime.os.Vfio;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * SR-IOV delegation's control plane: gives a reader a virtual function (VF) of the NVMe controller
 * behind a file's block device, while the physical function (PF) keeps the kernel's nvme driver and
 * its mounted file system. Everything goes through the PF's kernel driver and sysfs: {@code
 * sriov_numvfs} creates the VF, NVMe Virtualization Management admin commands (passthrough on
 * /dev/nvmeN) assign it flexible queue (VQ) and interrupt (VI) resources and bring its secondary
 * controller online, and the VF is bound to vfio-pci ({@code driver_override} + {@code bind}) so
 * the runtime can drive it from user space. {@link VirtualFunction#close} undoes it all.
 *
 * <p>Crash safety: a reader holds an exclusive lock on {@code /run/homi/sriov-<PF>.lock} for as
 * long as it has the VF (the kernel drops the lock when the process dies, however it dies). The
 * next {@link #provision} that takes the lock finds the VF its dead holder left (bound to vfio-pci
 * or to nothing) and resets it first: secondary controller offline, unbound, {@code
 * sriov_numvfs=0}. A VF bound to any other driver is someone else's and is never touched.
 */
public final class SriovControl {
  static final Path SYSFS = Path.of("/sys");
  static final Path LOCKS = Path.of("/run/homi");

  // NVMe admin opcodes and fields (NVMe base spec 2.0: Identify, Virtualization Management)
  static final int OPC_IDENTIFY = 0x06;
  static final int OPC_VIRT_MGMT = 0x1C;
  static final int CNS_PRIMARY_CTRL_CAPS = 0x14;
  static final int CNS_SECONDARY_CTRL_LIST = 0x15;
  static final int ACT_PRIMARY_FLEXIBLE = 0x1;
  static final int ACT_SECONDARY_OFFLINE = 0x7;
  static final int ACT_SECONDARY_ASSIGN = 0x8;
  static final int ACT_SECONDARY_ONLINE = 0x9;
  static final int RT_VQ = 0;
  static final int RT_VI = 1;

  // Secondary Controller List: entry count at byte 0, 32-byte entries from byte 32
  static final int SCL_ENTRIES = 32;
  static final int SCE_BYTES = 32;
  static final int SCE_SCID = 0;
  static final int SCE_SCS = 4;
  static final int SCE_VFN = 8;
  static final int SCE_NVQ = 12;
  static final int SCE_NVI = 14;

  // Primary Controller Capabilities
  static final int PCC_VQFRT = 32;
  static final int PCC_VQRFA = 36;
  static final int PCC_VQRFAP = 40;
  static final int PCC_VIFRT = 64;
  static final int PCC_VIRFA = 68;
  static final int PCC_VIRFAP = 72;

  /** What the VF gets: an admin queue and one I/O queue pair (VQ), one interrupt (VI, unused). */
  static final int VF_QUEUES = 2;

  static final int VF_INTERRUPTS = 1;

  private SriovControl() {}

  /** The NVMe controller behind a namespace: its name (nvme0) and its PCI function. */
  public record Controller(String name, String pci) {
    Path pciDir() {
      return SYSFS.resolve("bus/pci/devices").resolve(pci);
    }

    public String node() {
      return "/dev/" + name;
    }
  }

  /**
   * The controller of an NVMe namespace block device: {@code /sys/block/<disk>/device} is the
   * controller (or, under native multipath, the subsystem whose controllers are listed in it).
   */
  public static Controller controllerOf(BlockDevice d) throws IOException {
    if (!"nvme".equals(d.kind()))
      throw new IOException(d.node() + " is a " + d.kind() + " device, not an NVMe namespace");
    Path dev = SYSFS.resolve("block").resolve(d.diskName()).resolve("device").toRealPath();
    List<Path> candidates = new ArrayList<>();
    if (Files.exists(dev.resolve("device"))) candidates.add(dev);
    else
      try (var s = Files.list(dev)) {
        s.filter(p -> p.getFileName().toString().matches("nvme\\d+")).forEach(candidates::add);
      }
    for (Path c : candidates) {
      Path pci = c.resolve("device").toRealPath();
      if (Files.exists(pci.resolve("sriov_totalvfs")) || candidates.size() == 1)
        return new Controller(c.getFileName().toString(), pci.getFileName().toString());
    }
    throw new IOException("no NVMe controller found for " + d.node() + " under " + dev);
  }

  /**
   * Why no VF can be had for {@code d} here, or null when everything needed is present (changes
   * nothing; provisioning can still fail, e.g. when the controller has no free resources).
   */
  public static String unavailable(BlockDevice d) {
    Controller c;
    try {
      c = controllerOf(d);
    } catch (IOException e) {
      return e.getMessage();
    }
    Path pf = c.pciDir();
    if (!Files.exists(pf.resolve("sriov_totalvfs")))
      return "the controller " + c.name() + " (" + c.pci() + ") has no SR-IOV capability";
    long total = readLong(pf.resolve("sriov_totalvfs"), 0);
    if (total < 1) return c.name() + " (" + c.pci() + ") offers no virtual function";
    if (!Files.isWritable(pf.resolve("sriov_numvfs")))
      return "cannot write " + pf.resolve("sriov_numvfs") + " (needs root)";
    if (!Files.isDirectory(SYSFS.resolve("kernel/iommu_groups"))
        || Vfio.iommuGroup(c.pci()) == null)
      return "no IOMMU groups (no IOMMU, or not enabled: intel_iommu=on / amd_iommu=on)";
    if (!Files.isDirectory(SYSFS.resolve("bus/pci/drivers/vfio-pci")))
      return "the vfio-pci driver is not loaded (modprobe vfio-pci)";
    if (!Files.exists(Path.of("/dev/vfio/vfio"))) return "/dev/vfio/vfio does not exist";
    if (!Files.isWritable(Path.of(c.node()))) return "cannot open " + c.node() + " read-write";
    return null;
  }

  /**
   * Creates a VF of the controller behind {@code d}, gives it queues and an interrupt, brings it
   * online and binds it to vfio-pci, first resetting a VF a crashed holder left behind. Fails with
   * the step and the reason; whatever was done is undone then.
   */
  public static VirtualFunction provision(BlockDevice d) throws IOException {
    String why = unavailable(d);
    if (why != null) throw new IOException("no SR-IOV VF for " + d.node() + ": " + why);
    Controller c = controllerOf(d);
    Files.createDirectories(LOCKS);
    Path lockFile = LOCKS.resolve("sriov-" + c.pci() + ".lock");
    FileChannel ch =
        FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    FileLock lock;
    try {
      lock = ch.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null;
    }
    if (lock == null) {
      ch.close();
      throw new IOException(
          "the VF of "
              + c.pci()
              + " is held by another reader ("
              + lockFile
              + ": "
              + Files.readString(lockFile).trim()
              + ")");
    }
    VirtualFunction vf = null;
    int fd = -1;
    try {
      fd = NvmeAdmin.open(c.node());
      resetStale(c, fd);
      Path pf = c.pciDir();
      write(pf.resolve("sriov_drivers_autoprobe"), "0"); // the VF must not meet the nvme driver
      write(pf.resolve("sriov_numvfs"), "1");
      String bdf = Files.readSymbolicLink(pf.resolve("virtfn0")).getFileName().toString();
      vf = new VirtualFunction(c, bdf, d.nsid(), fd, ch, lock);
      ch.truncate(0);
      ch.write(
          ByteBuffer.wrap(
              ("pid " + ProcessHandle.current().pid() + " vf " + bdf + "\n")
                  .getBytes(StandardCharsets.US_ASCII)));
      int[] sc = secondaryOf(fd, c, 1);
      vf.scid = sc[0];
      if (sc[1] != 0)
        virtMgmt(fd, c, ACT_SECONDARY_OFFLINE, 0, sc[0], 0); // resources change offline
      vf.assignAndOnline();
      vf.bindVfio();
      return vf;
    } catch (IOException | RuntimeException e) {
      if (vf != null) vf.close();
      else {
        if (fd >= 0) io.homi.runtime.os.Libc.close(fd);
        lock.release();
        ch.close();
      }
      throw e;
    }
  }

  /**
   * Resets VFs left behind by a holder that died (we hold the lock, so no live reader has them):
   * each must be unbound or bound to vfio-pci; then offline, unbind, sriov_numvfs=0.
   */
  static void resetStale(Controller c, int fd) throws IOException {
    Path pf = c.pciDir();
    long n = readLong(pf.resolve("sriov_numvfs"), 0);
    if (n == 0) return;
    for (int i = 0; i < n; i++) {
      Path vf = pf.resolve("virtfn" + i).toRealPath();
      String driver = driverOf(vf);
      if (driver != null && !driver.equals("vfio-pci"))
        throw new IOException(
            c.pci()
                + " already has "
                + n
                + " VF(s); "
                + vf.getFileName()
                + " is bound to "
                + driver
                + " (someone else's: not reset)");
    }
    for (int i = 0; i < n; i++) {
      Path vf = pf.resolve("virtfn" + i).toRealPath();
      if (driverOf(vf) != null) write(vf.resolve("driver/unbind"), vf.getFileName().toString());
      write(vf.resolve("driver_override"), "\n");
      int[] sc = secondaryOf(fd, c, i + 1);
      if (sc[1] != 0) virtMgmt(fd, c, ACT_SECONDARY_OFFLINE, 0, sc[0], 0);
    }
    write(pf.resolve("sriov_numvfs"), "0");
  }

  /** {SCID, online} of the secondary controller of VF number {@code vfn}. */
  static int[] secondaryOf(int fd, Controller c, int vfn) throws IOException {
    try (HostBuffer b = new HostBuffer(4096)) {
      NvmeAdmin.Result r =
          NvmeAdmin.command(
              fd,
              OPC_IDENTIFY,
              0,
              CNS_SECONDARY_CTRL_LIST,
              0,
              b.address(),
              4096,
              "Identify Secondary Controller List of " + c.name());
      if (!r.ok())
        throw new IOException(
            c.name()
                + " refused Identify Secondary Controller List: status 0x"
                + Integer.toHexString(r.status())
                + " (no SR-IOV virtualization management)");
      ByteBuffer v = b.view(0, 4096);
      int count = v.get(0) & 0xff;
      for (int i = 0; i < count; i++) {
        int o = SCL_ENTRIES + i * SCE_BYTES;
        if ((v.getShort(o + SCE_VFN) & 0xffff) == vfn)
          return new int[] {v.getShort(o + SCE_SCID) & 0xffff, v.get(o + SCE_SCS) & 1};
      }
      throw new IOException(c.name() + " lists no secondary controller for VF " + vfn);
    }
  }

  /** The flexible resources of the primary, for an error message. */
  static String primaryResources(int fd, Controller c) {
    try (HostBuffer b = new HostBuffer(4096)) {
      NvmeAdmin.Result r =
          NvmeAdmin.command(
              fd, OPC_IDENTIFY, 0, CNS_PRIMARY_CTRL_CAPS, 0, b.address(), 4096, "Identify");
      if (!r.ok()) return "primary capabilities unknown";
      ByteBuffer v = b.view(0, 4096);
      return "flexible VQ: "
          + v.getInt(PCC_VQFRT)
          + " total, "
          + v.getInt(PCC_VQRFA)
          + " allocated, "
          + (v.getShort(PCC_VQRFAP) & 0xffff)
          + " to the primary; flexible VI: "
          + v.getInt(PCC_VIFRT)
          + " total, "
          + v.getInt(PCC_VIRFA)
          + " allocated, "
          + (v.getShort(PCC_VIRFAP) & 0xffff)
          + " to the primary";
    } catch (IOException e) {
      return e.getMessage();
    }
  }

  static NvmeAdmin.Result virtMgmt(int fd, Controller c, int act, int rt, int cntlid, int nr)
      throws IOException {
    return NvmeAdmin.command(
        fd,
        OPC_VIRT_MGMT,
        0,
        act | (rt << 8) | (cntlid << 16),
        nr,
        0,
        0,
        "Virtualization Management (action " + act + ") on " + c.name());
  }

  static String driverOf(Path pciDir) {
    try {
      return Files.readSymbolicLink(pciDir.resolve("driver")).getFileName().toString();
    } catch (IOException e) {
      return null;
    }
  }

  static void write(Path p, String value) throws IOException {
    try {
      Files.writeString(p, value);
    } catch (IOException e) {
      throw new IOException("writing '" + value.trim() + "' to " + p + ": " + e.getMessage(), e);
    }
  }

  static long readLong(Path p, long dflt) {
    try {
      return Long.parseLong(Files.readString(p).trim());
    } catch (IOException | NumberFormatException e) {
      return dflt;
    }
  }

  /**
   * A VF this process holds: online, with queue and interrupt resources, bound to vfio-pci. Close
   * to give it back (offline, unbound, sriov_numvfs=0, lock released).
   */
  public static final class VirtualFunction implements AutoCloseable {
    private final Controller pf;
    private final String bdf;
    private final int nsid;
    private final int adminFd;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private int scid = -1;
    private boolean closed;

    VirtualFunction(
        Controller pf, String bdf, int nsid, int adminFd, FileChannel ch, FileLock lock) {
      this.pf = pf;
      this.bdf = bdf;
      this.nsid = nsid;
      this.adminFd = adminFd;
      this.lockChannel = ch;
      this.lock = lock;
    }

    /** The VF's PCI address (bound to vfio-pci). */
    public String pci() {
      return bdf;
    }

    /** The physical function's controller, which keeps the kernel's nvme driver. */
    public Controller pf() {
      return pf;
    }

    /** The VF's secondary controller id on the PF. */
    public int secondaryControllerId() {
      return scid;
    }

    /** The namespace id of the file's namespace (the same namespace, shared with the VF). */
    public int nsid() {
      return nsid;
    }

    void assignAndOnline() throws IOException {
      for (int[] rt : new int[][] {{RT_VI, VF_INTERRUPTS}, {RT_VQ, VF_QUEUES}}) {
        NvmeAdmin.Result r = virtMgmt(adminFd, pf, ACT_SECONDARY_ASSIGN, rt[0], scid, rt[1]);
        if (!r.ok())
          throw new IOException(
              pf.name()
                  + " refused to assign "
                  + rt[1]
                  + (rt[0] == RT_VQ ? " queue" : " interrupt")
                  + " resource(s) to secondary controller "
                  + scid
                  + ": status 0x"
                  + Integer.toHexString(r.status())
                  + " ("
                  + primaryResources(adminFd, pf)
                  + "; the primary releases its flexible resources with Virtualization Management"
                  + " action 1, nr 0, taking effect at its next reset)");
      }
      NvmeAdmin.Result r = virtMgmt(adminFd, pf, ACT_SECONDARY_ONLINE, 0, scid, 0);
      if (!r.ok())
        throw new IOException(
            pf.name()
                + " refused to bring secondary controller "
                + scid
                + " online: status 0x"
                + Integer.toHexString(r.status()));
    }

    void bindVfio() throws IOException {
      Path vf = SYSFS.resolve("bus/pci/devices").resolve(bdf);
      if (driverOf(vf) != null) write(vf.resolve("driver/unbind"), bdf);
      write(vf.resolve("driver_override"), "vfio-pci");
      write(SYSFS.resolve("bus/pci/drivers/vfio-pci/bind"), bdf);
      String group = Vfio.iommuGroup(bdf);
      if (group == null) throw new IOException(bdf + " has no IOMMU group after binding");
      Path node = Path.of("/dev/vfio", group);
      for (int i = 0; i < 100 && !Files.exists(node); i++) sleep(20); // devtmpfs creates it
      if (!Files.exists(node)) throw new IOException(node + " did not appear for " + bdf);
    }

    /** Unbinds, takes the secondary offline, removes the VF, releases the lock; never throws. */
    @Override
    public synchronized void close() {
      if (closed) return;
      closed = true;
      Path pfDir = pf.pciDir();
      Path vf = SYSFS.resolve("bus/pci/devices").resolve(bdf);
      try {
        if (driverOf(vf) != null) write(vf.resolve("driver/unbind"), bdf);
        write(vf.resolve("driver_override"), "\n");
      } catch (IOException e) {
        // the VF may already be gone; sriov_numvfs=0 below removes it either way
      }
      try {
        if (scid >= 0) virtMgmt(adminFd, pf, ACT_SECONDARY_OFFLINE, 0, scid, 0);
      } catch (IOException e) {
        // offline is implied by removing the VF
      }
      try {
        write(pfDir.resolve("sriov_numvfs"), "0");
      } catch (IOException e) {
        // left for the next provision's resetStale
      }
      io.homi.runtime.os.Libc.close(adminFd);
      try {
        lockChannel.truncate(0);
        lock.release();
        lockChannel.close();
      } catch (IOException e) {
        // the lock goes with the descriptor
      }
    }

    private static void sleep(long ms) {
      try {
        Thread.sleep(ms);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
