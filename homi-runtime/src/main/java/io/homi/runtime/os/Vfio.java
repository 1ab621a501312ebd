package io.homi.runtime.os;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One PCI function driven from user space through VFIO (the runtime's single native boundary to
 * VFIO): the container (an IOMMU address space of its own), the function's IOMMU group and device
 * descriptors, BAR0 mapped for register access, and DMA mappings of host memory at IOVAs the device
 * may write. Struct fields are at named offsets that {@code VfioLayoutTest} checks against {@code
 * linux/vfio.h}. The function must already be bound to vfio-pci (the control plane does that).
 */
public final class Vfio implements AutoCloseable {
  // ioctl numbers: _IO(VFIO_TYPE ';', VFIO_BASE 100 + n) (linux/vfio.h)
  static final int VFIO_GET_API_VERSION = 0x3B64;
  static final int VFIO_CHECK_EXTENSION = 0x3B65;
  static final int VFIO_SET_IOMMU = 0x3B66;
  static final int VFIO_GROUP_GET_STATUS = 0x3B67;
  static final int VFIO_GROUP_SET_CONTAINER = 0x3B68;
  static final int VFIO_GROUP_GET_DEVICE_FD = 0x3B6A;
  static final int VFIO_DEVICE_GET_REGION_INFO = 0x3B6C;
  static final int VFIO_IOMMU_MAP_DMA = 0x3B71;
  static final int VFIO_IOMMU_UNMAP_DMA = 0x3B72;

  static final int VFIO_API_VERSION = 0;
  static final int VFIO_TYPE1_IOMMU = 1;
  static final int VFIO_TYPE1V2_IOMMU = 3;
  static final int VFIO_GROUP_FLAGS_VIABLE = 1;
  static final int VFIO_PCI_BAR0_REGION_INDEX = 0;
  static final int VFIO_PCI_CONFIG_REGION_INDEX = 7;
  static final int VFIO_DMA_MAP_FLAG_READ = 1;
  static final int VFIO_DMA_MAP_FLAG_WRITE = 2;

  // struct vfio_group_status
  static final int GROUP_STATUS_BYTES = 8;
  static final int GS_ARGSZ = 0;
  static final int GS_FLAGS = 4;

  // struct vfio_region_info
  static final int REGION_INFO_BYTES = 32;
  static final int RI_ARGSZ = 0;
  static final int RI_INDEX = 8;
  static final int RI_SIZE = 16;
  static final int RI_OFFSET = 24;

  // struct vfio_iommu_type1_dma_map
  static final int DMA_MAP_BYTES = 32;
  static final int DM_ARGSZ = 0;
  static final int DM_FLAGS = 4;
  static final int DM_VADDR = 8;
  static final int DM_IOVA = 16;
  static final int DM_SIZE = 24;

  // struct vfio_iommu_type1_dma_unmap (without the bitmap tail newer kernels allow)
  static final int DMA_UNMAP_BYTES = 24;
  static final int DU_ARGSZ = 0;
  static final int DU_IOVA = 8;
  static final int DU_SIZE = 16;

  /** PCI config space: the command register and its memory-space and bus-master enables. */
  static final int PCI_COMMAND = 4;

  static final int PCI_COMMAND_MEMORY = 0x2;
  static final int PCI_COMMAND_MASTER = 0x4;

  private static final VarHandle INT =
      MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

  private final String bdf;
  private final String group;
  private final int container;
  private final int groupFd;
  private final int device;
  private final long barAddress;
  private final long barSize;
  private final ByteBuffer bar;
  private final long configOffset;

  private Vfio(
      String bdf,
      String group,
      int container,
      int groupFd,
      int device,
      long barAddress,
      long barSize,
      long configOffset) {
    this.bdf = bdf;
    this.group = group;
    this.container = container;
    this.groupFd = groupFd;
    this.device = device;
    this.barAddress = barAddress;
    this.barSize = barSize;
    this.bar = new Pointer(barAddress).getByteBuffer(0, barSize).order(ByteOrder.LITTLE_ENDIAN);
    this.configOffset = configOffset;
  }

  /** The IOMMU group of a PCI function (the name under /dev/vfio), or null where it has none. */
  public static String iommuGroup(String bdf) {
    Path link = Path.of("/sys/bus/pci/devices", bdf, "iommu_group");
    try {
      return Files.readSymbolicLink(link).getFileName().toString();
    } catch (IOException e) {
      return null;
    }
  }

  /**
   * Opens {@code bdf} (bound to vfio-pci): a new container with the type1 IOMMU, its group, the
   * device, BAR0 mapped, memory space and bus mastering enabled. Fails naming the step and errno.
   */
  public static Vfio open(String bdf) throws IOException {
    String group = iommuGroup(bdf);
    if (group == null)
      throw new IOException(
          bdf + " has no IOMMU group (no IOMMU: boot with intel_iommu=on, or the device is gone)");
    int container = -1;
    int groupFd = -1;
    int device = -1;
    long bar = 0;
    long barSize = 0;
    try (Memory m = new Memory(64)) {
      container = openOrFail("/dev/vfio/vfio", bdf);
      int api = call(container, VFIO_GET_API_VERSION, 0, "VFIO_GET_API_VERSION", bdf);
      if (api != VFIO_API_VERSION)
        throw new IOException("VFIO API version " + api + " (expected 0) for " + bdf);
      boolean v2 = call(container, VFIO_CHECK_EXTENSION, VFIO_TYPE1V2_IOMMU, "CHECK", bdf) > 0;
      groupFd = openOrFail("/dev/vfio/" + group, bdf);
      m.clear(GROUP_STATUS_BYTES);
      m.setInt(GS_ARGSZ, GROUP_STATUS_BYTES);
      call(groupFd, VFIO_GROUP_GET_STATUS, Pointer.nativeValue(m), "VFIO_GROUP_GET_STATUS", bdf);
      if ((m.getInt(GS_FLAGS) & VFIO_GROUP_FLAGS_VIABLE) == 0)
        throw new IOException(
            "IOMMU group "
                + group
                + " of "
                + bdf
                + " is not viable: another device in it is bound to a host driver");
      m.setInt(0, container);
      call(groupFd, VFIO_GROUP_SET_CONTAINER, Pointer.nativeValue(m), "GROUP_SET_CONTAINER", bdf);
      call(
          container,
          VFIO_SET_IOMMU,
          v2 ? VFIO_TYPE1V2_IOMMU : VFIO_TYPE1_IOMMU,
          "VFIO_SET_IOMMU",
          bdf);
      m.setString(0, bdf, "US-ASCII");
      device =
          call(groupFd, VFIO_GROUP_GET_DEVICE_FD, Pointer.nativeValue(m), "GET_DEVICE_FD", bdf);
      long[] cfg = region(device, VFIO_PCI_CONFIG_REGION_INDEX, m, bdf);
      long[] r0 = region(device, VFIO_PCI_BAR0_REGION_INDEX, m, bdf);
      barSize = r0[0];
      if (barSize < 0x2000) throw new IOException("BAR0 of " + bdf + " is " + barSize + " bytes");
      try {
        bar =
            Libc.mmap(0, barSize, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_SHARED, device, r0[1]);
      } catch (ErrnoException e) {
        throw new IOException("mmap of BAR0 of " + bdf + ": " + Libc.strerror(e.errno()));
      }
      Vfio v = new Vfio(bdf, group, container, groupFd, device, bar, barSize, cfg[1]);
      v.enableMemoryAndBusMaster();
      return v;
    } catch (IOException | RuntimeException e) {
      if (bar != 0) Libc.munmap(bar, barSize);
      for (int fd : new int[] {device, groupFd, container}) if (fd >= 0) Libc.close(fd);
      throw e;
    }
  }

  private static int openOrFail(String path, String bdf) throws IOException {
    try {
      return Libc.open(path, Libc.O_RDWR | Libc.O_CLOEXEC);
    } catch (ErrnoException e) {
      throw new IOException(
          "cannot open " + path + " for " + bdf + ": " + Libc.strerror(e.errno()));
    }
  }

  private static int call(int fd, int request, long arg, String what, String bdf)
      throws IOException {
    try {
      return Libc.ioctl(fd, request, arg);
    } catch (ErrnoException e) {
      throw new IOException(what + " for " + bdf + ": " + Libc.strerror(e.errno()));
    }
  }

  /** {size, offset} of a region of the device descriptor. */
  private static long[] region(int device, int index, Memory m, String bdf) throws IOException {
    m.clear(REGION_INFO_BYTES);
    m.setInt(RI_ARGSZ, REGION_INFO_BYTES);
    m.setInt(RI_INDEX, index);
    call(device, VFIO_DEVICE_GET_REGION_INFO, Pointer.nativeValue(m), "GET_REGION_INFO", bdf);
    return new long[] {m.getLong(RI_SIZE), m.getLong(RI_OFFSET)};
  }

  private void enableMemoryAndBusMaster() throws IOException {
    try (Memory m = new Memory(2)) {
      long a = Pointer.nativeValue(m);
      if (Libc.pread(device, a, 2, configOffset + PCI_COMMAND) != 2)
        throw new IOException("short read of the PCI command register of " + bdf);
      m.setShort(0, (short) (m.getShort(0) | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER));
      if (Libc.pwrite(device, a, 2, configOffset + PCI_COMMAND) != 2)
        throw new IOException("short write of the PCI command register of " + bdf);
    } catch (ErrnoException e) {
      throw new IOException("PCI command register of " + bdf + ": " + Libc.strerror(e.errno()));
    }
  }

  public String bdf() {
    return bdf;
  }

  public String group() {
    return group;
  }

  public long bar0Size() {
    return barSize;
  }

  /** A 32-bit register of BAR0 (a volatile load: the device changes it). */
  public int readRegister(int offset) {
    return (int) INT.getVolatile(bar, offset);
  }

  /** Writes a 32-bit register of BAR0 (volatile: after every earlier store, e.g. an SQE). */
  public void writeRegister(int offset, int value) {
    INT.setVolatile(bar, offset, value);
  }

  /**
   * Lets the device read and write [vaddr, vaddr+size) at {@code iova} (page aligned; the pages are
   * pinned until {@link #unmapDma} or close).
   */
  public void mapDma(long vaddr, long iova, long size) throws IOException {
    try (Memory m = new Memory(DMA_MAP_BYTES)) {
      m.clear();
      m.setInt(DM_ARGSZ, DMA_MAP_BYTES);
      m.setInt(DM_FLAGS, VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE);
      m.setLong(DM_VADDR, vaddr);
      m.setLong(DM_IOVA, iova);
      m.setLong(DM_SIZE, size);
      call(container, VFIO_IOMMU_MAP_DMA, Pointer.nativeValue(m), "VFIO_IOMMU_MAP_DMA", bdf);
    }
  }

  public void unmapDma(long iova, long size) throws IOException {
    try (Memory m = new Memory(DMA_UNMAP_BYTES)) {
      m.clear();
      m.setInt(DU_ARGSZ, DMA_UNMAP_BYTES);
      m.setLong(DU_IOVA, iova);
      m.setLong(DU_SIZE, size);
      call(container, VFIO_IOMMU_UNMAP_DMA, Pointer.nativeValue(m), "VFIO_IOMMU_UNMAP_DMA", bdf);
    }
  }

  /** Unmaps BAR0 and closes device, group and container (which drops every DMA mapping). */
  @Override
  public void close() {
    Libc.munmap(barAddress, barSize);
    Libc.close(device);
    Libc.close(groupFd);
    Libc.close(container);
  }
}
