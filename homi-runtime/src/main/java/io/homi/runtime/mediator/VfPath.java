package io.homi.runtime.mediator;

import io.homi.runtime.control.BlockDevice;
import io.homi.runtime.control.Grant;
import io.homi.runtime.control.SriovControl;
import io.homi.runtime.nvme.VfioController;
import java.io.IOException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongConsumer;

/**
 * Hardware-assisted delegation: reads served by an SR-IOV virtual function of the file's NVMe
 * controller, driven from user space ({@link VfioController} over VFIO), while the physical
 * function keeps the kernel's nvme driver and its mounted file system. The control plane ({@link
 * SriovControl}) provisions the VF on first use and gives it back on {@link #close}. The file's
 * blocks are found and checked exactly as on the {@link DevicePath} (same grant, same walk: holes
 * zeroed, OS-only extents refused, every LBA range checked against the grant before a command is
 * placed in the VF's queue, the file's identity re-checked after); the blocks move by NVMe Read
 * with PRPs straight into the registered buffer, which is DMA-mapped into the VF's IOMMU space on
 * first use and unmapped when it is unregistered. Chosen only by {@code homi.path=vf}: {@code auto}
 * never creates a VF as a side effect.
 */
public final class VfPath implements IoPath, AutoCloseable {
  private final DevicePath device;
  private final BufferRegistry buffers;

  /** Per block device node: its Channel, or why there is none (remembered). */
  private final ConcurrentHashMap<String, Object> channels = new ConcurrentHashMap<>();

  /** Registered region start to its DMA mapping on the VF. */
  private final ConcurrentHashMap<Long, Mapping> mappings = new ConcurrentHashMap<>();

  private final LongConsumer release = this::unmap;

  private record Mapping(VfioController vf, long start, long iova, long size) {}

  /** One namespace's VF: what the control plane gave, and the driver on it. */
  private record Channel(SriovControl.VirtualFunction vf, VfioController ctl) {}

  public VfPath(DevicePath device, BufferRegistry buffers) {
    this.device = device;
    this.buffers = buffers;
    buffers.onRelease(release);
  }

  @Override
  public PathKind kind() {
    return PathKind.VF;
  }

  /**
   * Why no VF can serve {@code d}, or null: before the first read, what the platform lacks (changes
   * nothing); after it, why provisioning or bring-up failed.
   */
  public String unavailable(BlockDevice d) {
    Object c = channels.get(d.node());
    if (c instanceof String why) return why;
    if (c != null) return null;
    return SriovControl.unavailable(d);
  }

  /** The VF serving {@code d}, brought up now if needed (for doctor and the lab's checks). */
  public VfioController controller(BlockDevice d) throws IOException {
    Object c = channel(d);
    if (c instanceof String why) throw new IOException(why);
    return ((Channel) c).ctl();
  }

  /** The VF's PCI address serving {@code d}, or null where none is up. */
  public String functionOf(BlockDevice d) {
    return channels.get(d.node()) instanceof Channel ch ? ch.vf().pci() : null;
  }

  private Object channel(BlockDevice d) {
    return channels.computeIfAbsent(d.node(), n -> open(d));
  }

  private static Object open(BlockDevice d) {
    SriovControl.VirtualFunction vf;
    try {
      vf = SriovControl.provision(d);
    } catch (IOException | RuntimeException e) {
      return "no VF for " + d.node() + ": " + e.getMessage();
    }
    try {
      VfioController ctl = VfioController.open(vf.pci(), vf.nsid());
      if (ctl.lbaSize() != d.logicalBlockSize()) {
        ctl.close();
        vf.close();
        return "VF "
            + vf.pci()
            + " sees namespace "
            + vf.nsid()
            + " with "
            + ctl.lbaSize()
            + "-byte LBAs, the kernel "
            + d.logicalBlockSize();
      }
      return new Channel(vf, ctl);
    } catch (IOException | RuntimeException e) {
      vf.close();
      return "VF " + vf.pci() + " of " + d.node() + " did not come up: " + e.getMessage();
    }
  }

  @Override
  public boolean canServe(Namespace ns, long fileOffset, long address, long length) {
    Grant g = device.grant(ns);
    if (g == null || g.device() == null || unavailable(g.device()) != null) return false;
    return buffers.contains(address, length, BufferRegistry.Kind.HOST)
        && device.canServeGranted(ns, fileOffset, address, length);
  }

  @Override
  public long read(Namespace ns, long fileOffset, long address, long length) throws IOException {
    return device.read(ns, fileOffset, address, length, this::readBlocks);
  }

  /** The grant allowed these blocks (DevicePath checked them): one queue's NVMe Reads on the VF. */
  private void readBlocks(Grant g, long lba, long count, long dst, int bs, String what)
      throws IOException {
    Object c = channel(g.device());
    if (c instanceof String why) throw new IOException("VF read of " + what + ": " + why);
    VfioController ctl = ((Channel) c).ctl();
    ctl.read(lba, count, iova(ctl, dst, count * bs, what), what);
  }

  /** The IOVA of [dst, dst+bytes) inside a registered host region, mapping the region once. */
  private synchronized long iova(VfioController ctl, long dst, long bytes, String what)
      throws IOException {
    BufferRegistry.Lookup r = buffers.lookup(dst, 1);
    if (r == null || r.kind() != BufferRegistry.Kind.HOST)
      throw new IOException(
          "VF read of " + what + ": destination 0x" + Long.toHexString(dst) + " not registered");
    long pageEnd = (r.end() + 4095) & -4096L;
    if (dst + bytes > pageEnd)
      throw new IOException(
          "VF read of "
              + what
              + ": "
              + bytes
              + " bytes at 0x"
              + Long.toHexString(dst)
              + " run past the registered region");
    Mapping m = mappings.get(r.start());
    if (m == null || m.vf() != ctl || m.size() != r.end() - r.start()) {
      if (m != null) unmap(r.start());
      long iova = ctl.mapDma(r.start(), r.end() - r.start());
      m = new Mapping(ctl, r.start(), iova, r.end() - r.start());
      mappings.put(r.start(), m);
    }
    return m.iova() + (dst - r.start());
  }

  private void unmap(long start) {
    Mapping m = mappings.remove(start);
    if (m == null) return;
    try {
      m.vf().unmapDma(m.iova(), m.size());
    } catch (IOException e) {
      // the VF is gone or closing: its container's mappings go with it
    }
  }

  /** Disables every VF's controller, drops its DMA mappings and gives the VF back. */
  @Override
  public void close() {
    buffers.removeOnRelease(release);
    mappings.clear();
    for (Object c : channels.values())
      if (c instanceof Channel ch) {
        ch.ctl().close();
        ch.vf().close();
      }
    channels.clear();
  }
}
