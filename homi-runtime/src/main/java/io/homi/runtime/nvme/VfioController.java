package io.homi.runtime.nvme;

import io.homi.runtime.os.HostBuffer;
import io.homi.runtime.os.Vfio;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * A user-space NVMe driver for one controller reached through VFIO (an SR-IOV virtual function):
 * resets and enables it, runs its admin queue, creates one I/O queue pair, and issues NVMe Reads
 * with PRPs into DMA-mapped host memory, completions polled (no interrupts). The rings are the
 * project's own {@link QueuePair} memory (64-byte {@link NvmeCommand} SQEs, 16-byte {@link
 * NvmeCompletion} CQEs at their named offsets); the doorbells are the controller's registers in
 * BAR0, not the QueuePair's shared-memory doorbells. Sends only Identify, Set Features (queue
 * count), Create/Delete I/O queues and Read: what LBAs a Read may name is the caller's grant's
 * business, checked before {@link #read} is called.
 */
public final class VfioController implements AutoCloseable {
  // Controller registers (NVMe base spec, "Controller Registers")
  static final int REG_CAP = 0x00;
  static final int REG_VS = 0x08;
  static final int REG_CC = 0x14;
  static final int REG_CSTS = 0x1C;
  static final int REG_AQA = 0x24;
  static final int REG_ASQ = 0x28;
  static final int REG_ACQ = 0x30;
  static final int DOORBELLS = 0x1000;

  static final int CSTS_RDY = 0x1;
  static final int CSTS_CFS = 0x2;

  /** CC: enable, NVM command set, 4 KiB pages, 64-byte SQEs (IOSQES=6), 16-byte CQEs (IOCQES=4). */
  static final int CC_ENABLE = 1 | (6 << 16) | (4 << 20);

  // Admin opcodes
  static final int ADM_DELETE_SQ = 0x00;
  static final int ADM_CREATE_SQ = 0x01;
  static final int ADM_DELETE_CQ = 0x04;
  static final int ADM_CREATE_CQ = 0x05;
  static final int ADM_IDENTIFY = 0x06;
  static final int ADM_SET_FEATURES = 0x09;
  static final int FEAT_NUM_QUEUES = 0x07;

  // Identify Controller / Namespace fields
  static final int IDC_SN = 4;
  static final int IDC_MN = 24;
  static final int IDC_MDTS = 77;
  static final int IDC_CNTLID = 78;
  static final int IDN_NSZE = 0;
  static final int IDN_FLBAS = 26;
  static final int IDN_LBAF = 128;

  static final int PAGE = 4096;

  /** Entries of each ring: the SQ fills one page, so the CQ behind it starts page aligned. */
  static final int DEPTH = PAGE / NvmeCommand.SIZE;

  /** IOVAs are handed out from here: above 4 GiB, clear of the x86 MSI window. */
  static final long IOVA_BASE = 1L << 32;

  /** How long a command may take before the controller is called stuck (TCG emulation is slow). */
  static final long COMMAND_TIMEOUT_NS = 60_000_000_000L;

  private final Vfio vfio;
  private final int doorbellStride;
  private final QueuePair admin;
  private final QueuePair io;
  private final HostBuffer scratch;
  private final long adminIova;
  private final long ioIova;
  private final long scratchIova;
  private long nextIova;
  private final Ring adminRing;
  private final Ring ioRing;
  private final int nsid;
  private String serial = "";
  private String model = "";
  private int controllerId;
  private long maxTransferBytes;
  private long namespaceBlocks;
  private int lbaSize;
  private boolean ioQueues;

  /** Host-side ring state: the SQ tail, the CQ head and phase, and the SQ head the CQEs report. */
  private static final class Ring {
    final QueuePair qp;
    int tail;
    int head;
    boolean phase = true;
    int sqHead;
    int nextCid;

    Ring(QueuePair qp) {
      this.qp = qp;
    }

    int free() {
      return DEPTH - 1 - Math.floorMod(tail - sqHead, DEPTH);
    }
  }

  private VfioController(Vfio vfio, int nsid) throws IOException {
    this.vfio = vfio;
    this.nsid = nsid;
    long cap = capability();
    this.doorbellStride = 4 << (int) ((cap >>> 32) & 0xF);
    long mpsMin = 1L << (12 + ((cap >>> 48) & 0xF));
    if (mpsMin > PAGE)
      throw new IOException(vfio.bdf() + ": smallest memory page " + mpsMin + " > 4 KiB");
    long bytes = QueuePair.bytesNeeded(DEPTH, DEPTH);
    this.admin = new QueuePair(0, DEPTH, DEPTH, new HostQueueMemory(bytes));
    this.io = new QueuePair(1, DEPTH, DEPTH, new HostQueueMemory(bytes));
    // One page for Identify data, then one PRP list page per SQ slot.
    this.scratch = new HostBuffer((long) PAGE * (1 + DEPTH));
    this.nextIova = IOVA_BASE;
    this.adminIova = mapDma(admin.memory().address(), bytes);
    this.ioIova = mapDma(io.memory().address(), bytes);
    this.scratchIova = mapDma(scratch.address(), scratch.capacity());
    this.adminRing = new Ring(admin);
    this.ioRing = new Ring(io);
  }

  /**
   * Opens the VF at {@code bdf} (bound to vfio-pci), resets and enables it with an admin queue,
   * identifies it and namespace {@code nsid}, and creates one polled I/O queue pair.
   */
  public static VfioController open(String bdf, int nsid) throws IOException {
    Vfio v = Vfio.open(bdf);
    VfioController c = null;
    try {
      c = new VfioController(v, nsid);
      c.enable();
      c.identify();
      c.createIoQueues();
      return c;
    } catch (IOException | RuntimeException e) {
      if (c != null) c.close();
      else v.close();
      throw e;
    }
  }

  private long capability() {
    return (vfio.readRegister(REG_CAP) & 0xffffffffL)
        | ((long) vfio.readRegister(REG_CAP + 4) << 32);
  }

  /** Maps [vaddr, vaddr+size), widened to whole pages, at fresh IOVAs; returns vaddr's IOVA. */
  public synchronized long mapDma(long vaddr, long size) throws IOException {
    long start = vaddr & -PAGE;
    long length = ((vaddr + size + PAGE - 1) & -PAGE) - start;
    long iova = nextIova;
    vfio.mapDma(start, iova, length);
    nextIova += length + PAGE; // a guard page between mappings
    return iova + (vaddr - start);
  }

  /** Undoes {@link #mapDma} ({@code iova} and {@code size} as given and returned there). */
  public synchronized void unmapDma(long iova, long size) throws IOException {
    long start = iova & -PAGE;
    long length = ((iova + size + PAGE - 1) & -PAGE) - start;
    vfio.unmapDma(start, length);
  }

  private void enable() throws IOException {
    long timeoutNs = Math.max(1, (capability() >>> 24) & 0xFF) * 500_000_000L;
    vfio.writeRegister(REG_CC, 0); // reset: whatever a previous holder left is discarded
    waitReady(false, timeoutNs);
    vfio.writeRegister(REG_AQA, ((DEPTH - 1) << 16) | (DEPTH - 1));
    long sq = adminIova + admin.sqOffset();
    long cq = adminIova + admin.cqOffset();
    vfio.writeRegister(REG_ASQ, (int) sq);
    vfio.writeRegister(REG_ASQ + 4, (int) (sq >>> 32));
    vfio.writeRegister(REG_ACQ, (int) cq);
    vfio.writeRegister(REG_ACQ + 4, (int) (cq >>> 32));
    vfio.writeRegister(REG_CC, CC_ENABLE);
    waitReady(true, timeoutNs);
  }

  private void waitReady(boolean ready, long timeoutNs) throws IOException {
    long deadline = System.nanoTime() + timeoutNs;
    while (true) {
      int csts = vfio.readRegister(REG_CSTS);
      if ((csts & CSTS_CFS) != 0 && ready)
        throw new IOException(vfio.bdf() + ": controller fatal status (CSTS 0x" + hex(csts) + ")");
      if (((csts & CSTS_RDY) != 0) == ready) return;
      if (System.nanoTime() > deadline)
        throw new IOException(
            vfio.bdf()
                + ": controller not "
                + (ready ? "ready" : "reset")
                + " in time (CSTS 0x"
                + hex(csts)
                + (ready ? "; is the VF online with queue and interrupt resources?" : "")
                + ")");
      sleepMs(1);
    }
  }

  private void identify() throws IOException {
    ByteBuffer id = scratch.view(0, PAGE);
    adminCommand(ADM_IDENTIFY, 0, scratchIova, 1, 0, "Identify Controller");
    serial = ascii(id, IDC_SN, 20);
    model = ascii(id, IDC_MN, 40);
    controllerId = id.getShort(IDC_CNTLID) & 0xffff;
    int mdts = id.get(IDC_MDTS) & 0xff;
    long limit = 1L << 20; // one PRP list page per command covers it
    maxTransferBytes = mdts == 0 ? limit : Math.min(limit, (long) PAGE << mdts);
    adminCommand(ADM_IDENTIFY, nsid, scratchIova, 0, 0, "Identify Namespace " + nsid);
    namespaceBlocks = id.getLong(IDN_NSZE);
    if (namespaceBlocks == 0)
      throw new IOException(vfio.bdf() + ": namespace " + nsid + " is not attached to the VF");
    int format = id.get(IDN_FLBAS) & 0xF;
    lbaSize = 1 << ((id.getInt(IDN_LBAF + 4 * format) >>> 16) & 0xFF);
  }

  private void createIoQueues() throws IOException {
    adminCommand(ADM_SET_FEATURES, 0, 0, FEAT_NUM_QUEUES, 0, "Set Features (Number of Queues)");
    // Physically contiguous (PC=1), interrupts off (IEN=0): completions are polled.
    adminCommand(
        ADM_CREATE_CQ,
        0,
        ioIova + io.cqOffset(),
        ((DEPTH - 1) << 16) | io.id(),
        1,
        "Create I/O Completion Queue");
    adminCommand(
        ADM_CREATE_SQ,
        0,
        ioIova + io.sqOffset(),
        ((DEPTH - 1) << 16) | io.id(),
        (io.id() << 16) | 1,
        "Create I/O Submission Queue");
    ioQueues = true;
  }

  private void adminCommand(int opcode, int ns, long prp1, int cdw10, int cdw11, String what)
      throws IOException {
    Ring r = adminRing;
    int cid = r.nextCid++ & 0xffff;
    NvmeCommand.writeAdmin(admin.sq(), r.tail, opcode, cid, ns, prp1, cdw10, cdw11);
    r.tail = (r.tail + 1) % DEPTH;
    vfio.writeRegister(sqDoorbell(0), r.tail);
    int[] err = {0};
    int got = 0;
    long deadline = System.nanoTime() + COMMAND_TIMEOUT_NS;
    while (got == 0) {
      got = reap(r, 0, (c, status) -> err[0] = status);
      if (got == 0) {
        if (System.nanoTime() > deadline)
          throw new IOException(vfio.bdf() + ": " + what + " not completed in time");
        Thread.onSpinWait();
      }
    }
    if (err[0] != 0) throw new NvmeStatusException(vfio.bdf() + ": " + what + " failed", err[0]);
  }

  private interface Completion {
    void done(int cid, int statusField);
  }

  /** Takes every new CQE of ring {@code r}, rings its CQ head doorbell; returns how many. */
  private int reap(Ring r, int qid, Completion each) {
    int n = 0;
    ByteBuffer cq = r.qp.cq();
    while (true) {
      int dw3 = NvmeCompletion.dw3(cq, r.head);
      if (NvmeCompletion.phase(dw3) != r.phase) break;
      r.sqHead = NvmeCompletion.sqHead(cq, r.head);
      each.done(NvmeCompletion.cid(dw3), (dw3 >>> 17) & 0x7fff);
      n++;
      if (++r.head == DEPTH) {
        r.head = 0;
        r.phase = !r.phase;
      }
    }
    if (n > 0) vfio.writeRegister(cqDoorbell(qid), r.head);
    return n;
  }

  private int sqDoorbell(int qid) {
    return DOORBELLS + (2 * qid) * doorbellStride;
  }

  private int cqDoorbell(int qid) {
    return DOORBELLS + (2 * qid + 1) * doorbellStride;
  }

  /**
   * Reads {@code count} blocks from {@code lba} into the DMA-mapped memory at {@code iova} (page
   * aligned) with NVMe Reads of at most {@link #maxTransferBytes}, many in flight; returns once all
   * completed, also on error. The first error status is thrown as {@link NvmeStatusException}.
   */
  public synchronized void read(long lba, long count, long iova, String what) throws IOException {
    if ((iova & (PAGE - 1)) != 0)
      throw new IOException(vfio.bdf() + ": read destination IOVA 0x" + hex(iova) + " unaligned");
    if (lba < 0 || count <= 0 || lba + count > namespaceBlocks)
      throw new IOException(
          vfio.bdf() + ": LBAs [" + lba + ", " + (lba + count) + ") outside the namespace");
    Ring r = ioRing;
    long perCmd = maxTransferBytes / lbaSize;
    long commands = (count + perCmd - 1) / perCmd;
    // At most DEPTH - 1 commands in flight (the CQ never overflows), so their CIDs differ mod
    // DEPTH.
    long[] cmdOfCid = new long[DEPTH];
    int[] firstError = {0};
    long[] errorLba = {0};
    long next = 0;
    long done = 0;
    long deadline = System.nanoTime() + COMMAND_TIMEOUT_NS;
    while (done < commands) {
      boolean queued = false;
      while (next < commands && next - done < DEPTH - 1 && r.free() > 0) {
        long l = lba + next * perCmd;
        long n = Math.min(perCmd, count - next * perCmd);
        long dst = iova + next * perCmd * lbaSize;
        int slot = r.tail;
        long prp2 = prp2(slot, dst, n * lbaSize);
        int cid = r.nextCid++ & 0xffff;
        cmdOfCid[cid % DEPTH] = next;
        NvmeCommand.writeReadPrp(io.sq(), slot, cid, nsid, l, (int) (n - 1), dst, prp2);
        r.tail = (r.tail + 1) % DEPTH;
        next++;
        queued = true;
      }
      if (queued) vfio.writeRegister(sqDoorbell(io.id()), r.tail);
      int got =
          reap(
              r,
              io.id(),
              (cid, status) -> {
                if (status != 0 && firstError[0] == 0) {
                  firstError[0] = status;
                  errorLba[0] = lba + cmdOfCid[cid % DEPTH] * perCmd;
                }
              });
      done += got;
      if (got > 0) deadline = System.nanoTime() + COMMAND_TIMEOUT_NS;
      else if (System.nanoTime() > deadline)
        throw new IOException(
            vfio.bdf() + ": NVMe Read for " + what + " not completed in time (controller stuck)");
      else Thread.onSpinWait();
    }
    if (firstError[0] != 0)
      throw new NvmeStatusException(
          "NVMe Read on VF "
              + vfio.bdf()
              + " (nsid "
              + nsid
              + ") at LBA "
              + errorLba[0]
              + " for "
              + what,
          firstError[0]);
  }

  /** PRP2 for a transfer of {@code bytes} at page-aligned {@code dst}: none, page 2, or a list. */
  private long prp2(int slot, long dst, long bytes) {
    long pages = (bytes + PAGE - 1) / PAGE;
    if (pages <= 1) return 0;
    if (pages == 2) return dst + PAGE;
    ByteBuffer list = scratch.view((long) PAGE * (1 + slot), PAGE);
    for (int k = 1; k < pages; k++) list.putLong((k - 1) * 8, dst + (long) k * PAGE);
    return scratchIova + (long) PAGE * (1 + slot);
  }

  public String bdf() {
    return vfio.bdf();
  }

  public String serial() {
    return serial;
  }

  public String model() {
    return model;
  }

  /** The controller id the VF reports (its secondary controller id on the PF). */
  public int controllerId() {
    return controllerId;
  }

  public int lbaSize() {
    return lbaSize;
  }

  public long namespaceBlocks() {
    return namespaceBlocks;
  }

  public long maxTransferBytes() {
    return maxTransferBytes;
  }

  /** The version register (VS): major in 31:16, minor in 15:8. */
  public int version() {
    return vfio.readRegister(REG_VS);
  }

  /** Deletes the I/O queues, disables the controller, drops the DMA mappings and VFIO. */
  @Override
  public synchronized void close() {
    try {
      if (ioQueues) {
        adminCommand(ADM_DELETE_SQ, 0, 0, io.id(), 0, "Delete I/O Submission Queue");
        adminCommand(ADM_DELETE_CQ, 0, 0, io.id(), 0, "Delete I/O Completion Queue");
      }
    } catch (IOException e) {
      // the reset below discards the queues anyway
    }
    vfio.writeRegister(REG_CC, 0);
    vfio.close(); // closing the container unmaps every IOVA before the memory is freed
    admin.close();
    io.close();
    scratch.close();
  }

  private static String ascii(ByteBuffer b, int off, int len) {
    byte[] a = new byte[len];
    for (int i = 0; i < len; i++) a[i] = b.get(off + i);
    return new String(a, StandardCharsets.US_ASCII).trim();
  }

  private static String hex(long v) {
    return Long.toHexString(v);
  }

  private static void sleepMs(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
