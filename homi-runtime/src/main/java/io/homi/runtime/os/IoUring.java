package io.homi.runtime.os;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One io_uring instance, driven by raw system calls (no liburing): the native boundary for
 * io_uring, as {@link Libc} is for libc. The SQ ring, CQ ring and SQE array are mapped into this
 * process; reads are queued as SQEs ({@link #prepareRead}), handed to the kernel by one {@code
 * io_uring_enter} per batch ({@link #submit}), and their results read from the CQ ring ({@link
 * #reap}) without a system call, or waited for ({@link #waitForCompletions}).
 *
 * <p>Threading: one submitter at a time (callers hold a lock around prepare + submit) and one
 * reaper at a time; the two may be different threads, as the SQ and CQ rings are independent.
 * {@link #inFlight} never exceeds {@link #capacity} (the CQ size), so the CQ cannot overflow: when
 * it is reached, {@link #prepareRead} refuses and the caller holds the read back.
 */
public final class IoUring implements AutoCloseable {
  static {
    Native.register(Platform.LIBC);
  }

  /** Same numbers on x86-64 and arm64 (io_uring came after the syscall tables were unified). */
  private static final long SYS_IO_URING_SETUP = 425;

  private static final long SYS_IO_URING_ENTER = 426;
  private static final int IORING_ENTER_GETEVENTS = 1;
  private static final long IORING_OFF_SQ_RING = 0L;
  static final long IORING_OFF_CQ_RING = 0x8000000L;
  static final long IORING_OFF_SQES = 0x10000000L;
  public static final byte IORING_OP_NOP = 0;
  public static final byte IORING_OP_READ = 22;

  /** A driver-defined command carried in the SQE (NVMe passthrough on /dev/ngXnY). */
  public static final byte IORING_OP_URING_CMD = 46;

  /**
   * Setup flags: 128-byte SQEs (room for a 72-byte NVMe command) and 32-byte CQEs (the NVMe result
   * DW0).
   */
  public static final int IORING_SETUP_SQE128 = 1 << 10;

  public static final int IORING_SETUP_CQE32 = 1 << 11;
  private static final int PROT_RW = 0x3;
  private static final int MAP_POPULATE = 0x8000;

  // The kernel's structs (linux/io_uring.h) as byte offsets; IoUringLayoutTest compares them
  // with offsetof from the C header where a C compiler is present.
  /** sizeof(struct io_uring_params). */
  static final int PARAMS_BYTES = 120;

  static final int P_SQ_ENTRIES = 0;
  static final int P_CQ_ENTRIES = 4;

  /** p.sq_off (struct io_sqring_offsets) fields. */
  static final int P_SQ_HEAD = 40;

  static final int P_SQ_TAIL = 44;
  static final int P_SQ_RING_MASK = 48;
  static final int P_SQ_ARRAY = 64;

  /** p.cq_off (struct io_cqring_offsets) fields. */
  static final int P_CQ_HEAD = 80;

  static final int P_CQ_TAIL = 84;
  static final int P_CQ_RING_MASK = 88;
  static final int P_CQ_CQES = 100;

  /** sizeof(struct io_uring_sqe) and its fields used here. */
  static final int SQE_BYTES = 64;

  static final int SQE_OPCODE = 0;
  static final int SQE_FD = 4;
  static final int SQE_OFF = 8;
  static final int SQE_ADDR = 16;
  static final int SQE_LEN = 24;
  static final int SQE_RW_FLAGS = 28;
  static final int SQE_USER_DATA = 32;

  /** sizeof(struct io_uring_cqe) and its fields. */
  static final int CQE_BYTES = 16;

  static final int CQE_USER_DATA = 0;
  static final int CQE_RES = 8;
  // The URING_CMD fields of struct io_uring_sqe (include/uapi/linux/io_uring.h)
  static final int SQE_CMD_OP = 8; // __u32, in the union with off
  static final int SQE_CMD = 48; // __u8 cmd[]: 16 bytes in a 64-byte SQE, 80 in a 128-byte one
  static final int SQE128_CMD_BYTES = 2 * SQE_BYTES - SQE_CMD;
  // struct io_uring_cqe with CQE32: user_data, res, flags, big_cqe[2]
  static final int CQE_BIG0 = 16; // __u64 big_cqe[0]: the NVMe completion's DW0 for passthrough

  // struct nvme_uring_cmd (include/uapi/linux/nvme_ioctl.h): 72 bytes, placed at SQE_CMD
  static final int NVME_CMD_OPCODE = 0; // __u8
  static final int NVME_CMD_NSID = 4; // __u32
  static final int NVME_CMD_ADDR =
      24; // __u64 data buffer (the kernel maps its pages and builds PRPs/SGLs)
  static final int NVME_CMD_DATA_LEN = 36; // __u32
  static final int NVME_CMD_CDW10 = 40; // __u32 x 6: cdw10..cdw15
  static final int NVME_CMD_TIMEOUT_MS = 64; // __u32
  static final int NVME_URING_CMD_BYTES = 72;

  /**
   * {@code _IOWR('N', 0x80, struct nvme_uring_cmd)}: an I/O command on a namespace's generic char
   * device.
   */
  public static final int NVME_URING_CMD_IO = ioc(3, 'N', 0x80, NVME_URING_CMD_BYTES);

  public static final byte NVME_CMD_READ = 0x02;

  static {
    if (NVME_URING_CMD_BYTES > SQE128_CMD_BYTES
        || NVME_CMD_TIMEOUT_MS + 8 != NVME_URING_CMD_BYTES) {
      throw new AssertionError("struct nvme_uring_cmd does not fit a 128-byte SQE");
    }
  }

  /** Linux's _IOC(dir, type, nr, size) on x86-64 and arm64. */
  static int ioc(int dir, char type, int nr, int size) {
    return (dir << 30) | (size << 16) | (type << 8) | nr;
  }

  private static final VarHandle INT =
      MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

  /** syscall(2) with six integer arguments; returns -1 with errno set on failure. */
  private static native long syscall(
      long number, long a1, long a2, long a3, long a4, long a5, long a6) throws LastErrorException;

  /** What one completion carries: the submitter's tag and the result (bytes, or -errno). */
  public interface Completion {
    void completed(long userData, int result);
  }

  private final int ringFd;
  private final long sqRingAddr;
  private final long sqRingLen;
  private final long cqRingAddr;
  private final long cqRingLen;
  private final long sqesAddr;
  private final long sqesLen;
  private final ByteBuffer sqRing;
  private final ByteBuffer cqRing;
  private final ByteBuffer sqes;
  private final int sqHeadOff;
  private final int sqTailOff;
  private final int sqEntries;
  private final int sqArrayOff;
  private final int cqHeadOff;
  private final int cqTailOff;
  private final int cqMask;
  private final int cqesOff;
  private final int capacity;
  private final int sqeBytes;
  private final int cqeBytes;

  /** SQEs prepared but not yet handed to the kernel (submitter-owned). */
  private int sqTail;

  private int prepared;
  private final AtomicInteger inFlight = new AtomicInteger();
  private volatile boolean closed;

  private IoUring(int ringFd, Memory p, int flags) throws IOException {
    this.ringFd = ringFd;
    this.sqeBytes = (flags & IORING_SETUP_SQE128) != 0 ? 2 * SQE_BYTES : SQE_BYTES;
    this.cqeBytes = (flags & IORING_SETUP_CQE32) != 0 ? 2 * CQE_BYTES : CQE_BYTES;
    this.sqEntries = p.getInt(P_SQ_ENTRIES);
    int cqEntries = p.getInt(P_CQ_ENTRIES);
    this.sqHeadOff = p.getInt(P_SQ_HEAD);
    this.sqTailOff = p.getInt(P_SQ_TAIL);
    this.sqArrayOff = p.getInt(P_SQ_ARRAY);
    this.cqHeadOff = p.getInt(P_CQ_HEAD);
    this.cqTailOff = p.getInt(P_CQ_TAIL);
    this.cqesOff = p.getInt(P_CQ_CQES);
    this.sqRingLen = sqArrayOff + 4L * sqEntries;
    this.cqRingLen = cqesOff + (long) cqeBytes * cqEntries;
    this.sqesLen = (long) sqeBytes * sqEntries;
    this.sqRingAddr = map(sqRingLen, IORING_OFF_SQ_RING);
    long cq = 0;
    try {
      cq = map(cqRingLen, IORING_OFF_CQ_RING);
      this.sqesAddr = map(sqesLen, IORING_OFF_SQES);
    } catch (IOException e) {
      if (cq != 0) Libc.munmap(cq, cqRingLen);
      Libc.munmap(sqRingAddr, sqRingLen);
      throw e;
    }
    this.cqRingAddr = cq;
    this.sqRing =
        new Pointer(sqRingAddr).getByteBuffer(0, sqRingLen).order(ByteOrder.LITTLE_ENDIAN);
    this.cqRing =
        new Pointer(cqRingAddr).getByteBuffer(0, cqRingLen).order(ByteOrder.LITTLE_ENDIAN);
    this.sqes = new Pointer(sqesAddr).getByteBuffer(0, sqesLen).order(ByteOrder.LITTLE_ENDIAN);
    int sqMask = sqRing.getInt(p.getInt(P_SQ_RING_MASK));
    this.cqMask = cqRing.getInt(p.getInt(P_CQ_RING_MASK));
    if (sqMask != sqEntries - 1 || cqMask != cqEntries - 1) {
      throw new IOException(
          "io_uring ring masks "
              + sqMask
              + "/"
              + cqMask
              + " for "
              + sqEntries
              + "/"
              + cqEntries
              + " entries");
    }
    this.sqTail = (int) INT.getAcquire(sqRing, sqTailOff);
    this.capacity = Math.min(cqEntries, 2 * sqEntries);
  }

  /**
   * A ring of {@code entries} SQEs (a power of two; the kernel gives twice as many CQEs). Throws
   * with the errno's text where io_uring is unavailable: ENOSYS (kernel without it), EPERM
   * (disabled by sysctl or a seccomp filter), ENOMEM (locked-memory limit).
   */
  public static IoUring open(int entries) throws IOException {
    return open(entries, 0);
  }

  /**
   * As {@link #open(int)}, with setup flags: {@link #IORING_SETUP_SQE128} | {@link
   * #IORING_SETUP_CQE32} for NVMe passthrough ({@link #prepareNvmeIo}). Kernels before 5.19 refuse
   * them (EINVAL).
   */
  public static IoUring open(int entries, int flags) throws IOException {
    if (Integer.bitCount(entries) != 1)
      throw new IllegalArgumentException("io_uring entries must be a power of two: " + entries);
    try (Memory p = new Memory(PARAMS_BYTES)) {
      p.clear();
      int fd;
      try {
        p.setInt(8, flags); // struct io_uring_params.flags
        fd = (int) syscall(SYS_IO_URING_SETUP, entries, Pointer.nativeValue(p), 0, 0, 0, 0);
      } catch (LastErrorException e) {
        throw new IOException(
            "io_uring_setup failed: "
                + Libc.strerror(e.getErrorCode())
                + " (errno "
                + e.getErrorCode()
                + ")",
            e);
      } catch (UnsatisfiedLinkError e) {
        throw new IOException("io_uring_setup unavailable: " + e.getMessage(), e);
      }
      try {
        return new IoUring(fd, p, flags);
      } catch (IOException | RuntimeException e) {
        Libc.close(fd);
        throw e;
      }
    }
  }

  private long map(long len, long offset) throws IOException {
    try {
      return Libc.mmap(0, len, PROT_RW, Libc.MAP_SHARED | MAP_POPULATE, ringFd, offset);
    } catch (ErrnoException e) {
      throw new IOException(
          "mmap of io_uring ring at 0x"
              + Long.toHexString(offset)
              + " failed: "
              + Libc.strerror(e.errno()),
          e);
    }
  }

  /** Most operations in flight at once: the CQ holds all their completions. */
  public int capacity() {
    return capacity;
  }

  /** Operations handed to the kernel (or prepared) and not yet reaped. */
  public int inFlight() {
    return inFlight.get();
  }

  /**
   * Queues {@code read(fd, address, length)} at {@code fileOffset}, tagged {@code userData}; false
   * when the ring is at capacity (nothing queued: back-pressure, the caller keeps it). Submitter
   * only; nothing reaches the kernel before {@link #submit}.
   */
  public boolean prepareRead(int fd, long address, int length, long fileOffset, long userData) {
    return prepare(IORING_OP_READ, fd, address, length, fileOffset, 0, userData);
  }

  /**
   * As {@link #prepareRead}, with preadv2 flags ({@link Libc#RWF_NOWAIT}: only what the page cache
   * holds).
   */
  public boolean prepareRead(
      int fd, long address, int length, long fileOffset, int rwFlags, long userData) {
    return prepare(IORING_OP_READ, fd, address, length, fileOffset, rwFlags, userData);
  }

  /**
   * A no-op: completes at once with result 0 (wakes a reaper waiting in {@link
   * #waitForCompletions}).
   */
  public boolean prepareNop(long userData) {
    return prepare(IORING_OP_NOP, -1, 0, 0, 0, 0, userData);
  }

  private boolean prepare(
      byte op, int fd, long address, int length, long fileOffset, int rwFlags, long userData) {
    int base = claimSqe();
    if (base < 0) return false;
    sqes.put(base + SQE_OPCODE, op);
    sqes.putInt(base + SQE_FD, fd);
    sqes.putLong(base + SQE_OFF, fileOffset);
    sqes.putLong(base + SQE_ADDR, address);
    sqes.putInt(base + SQE_LEN, length);
    sqes.putInt(base + SQE_RW_FLAGS, rwFlags);
    sqes.putLong(base + SQE_USER_DATA, userData);
    return publishSqe();
  }

  /**
   * Queues an NVMe I/O command for the controller behind {@code ngFd} (a namespace's generic char
   * device, /dev/ngXnY): {@code IORING_OP_URING_CMD} with {@link #NVME_URING_CMD_IO}. The kernel
   * maps {@code address}'s pages for the transfer and hands the command to the controller as is;
   * its completion reports the controller's status ({@link #reapCommands}). Needs a ring opened
   * with SQE128 and CQE32. False when the ring is full, as {@link #prepareRead}.
   */
  public boolean prepareNvmeIo(
      int ngFd,
      byte opcode,
      int nsid,
      long address,
      int dataLen,
      long slba,
      int cdw12,
      long userData) {
    if (sqeBytes != 2 * SQE_BYTES || cqeBytes != 2 * CQE_BYTES) {
      throw new IllegalStateException(
          "NVMe passthrough needs a ring opened with IORING_SETUP_SQE128 | IORING_SETUP_CQE32");
    }
    int base = claimSqe();
    if (base < 0) return false;
    sqes.put(base + SQE_OPCODE, IORING_OP_URING_CMD);
    sqes.putInt(base + SQE_FD, ngFd);
    sqes.putInt(base + SQE_CMD_OP, NVME_URING_CMD_IO);
    sqes.putLong(base + SQE_USER_DATA, userData);
    int cmd = base + SQE_CMD;
    sqes.put(cmd + NVME_CMD_OPCODE, opcode);
    sqes.putInt(cmd + NVME_CMD_NSID, nsid);
    sqes.putLong(cmd + NVME_CMD_ADDR, address);
    sqes.putInt(cmd + NVME_CMD_DATA_LEN, dataLen);
    sqes.putInt(cmd + NVME_CMD_CDW10, (int) slba); // SLBA, low 32 bits
    sqes.putInt(cmd + NVME_CMD_CDW10 + 4, (int) (slba >>> 32)); // CDW11: SLBA, high 32 bits
    sqes.putInt(cmd + NVME_CMD_CDW10 + 8, cdw12); // CDW12: NLB - 1 (0's based) and flags
    return publishSqe();
  }

  /** The byte offset of a zeroed SQE the caller may fill, or -1 when the ring is full. */
  private int claimSqe() {
    if (closed) throw new IllegalStateException("io_uring is closed");
    if (inFlight.get() >= capacity || prepared >= sqEntries) return -1;
    int head = (int) INT.getAcquire(sqRing, sqHeadOff);
    if (sqTail - head >= sqEntries) return -1;
    int base = (sqTail & (sqEntries - 1)) * sqeBytes;
    for (int i = 0; i < sqeBytes; i += 8) sqes.putLong(base + i, 0L);
    return base;
  }

  private boolean publishSqe() {
    int idx = sqTail & (sqEntries - 1);
    sqRing.putInt(sqArrayOff + 4 * idx, idx);
    sqTail++;
    prepared++;
    inFlight.incrementAndGet(); // counted from here: the CQ slot is spoken for
    INT.setRelease(sqRing, sqTailOff, sqTail);
    return true;
  }

  /**
   * Hands every prepared SQE to the kernel in one {@code io_uring_enter}. Buffered reads of cached
   * data complete during this call; O_DIRECT reads are in flight at the device after it. Returns
   * how many the kernel took; throws where the call itself fails (the SQEs stay queued).
   */
  public int submit() throws IOException {
    int n = prepared;
    if (n == 0) return 0;
    while (true) {
      try {
        int took = (int) syscall(SYS_IO_URING_ENTER, ringFd, n, 0, 0, 0, 0);
        prepared -= took;
        return took;
      } catch (LastErrorException e) {
        if (e.getErrorCode() == Libc.EINTR) continue;
        throw new IOException(
            "io_uring_enter (submit " + n + ") failed: " + Libc.strerror(e.getErrorCode()), e);
      }
    }
  }

  /**
   * Hands every prepared SQE to the kernel and waits for {@code min} completions, in one {@code
   * io_uring_enter}: for RWF_NOWAIT reads, which finish (or fail with EAGAIN) during submission,
   * one system call for a whole batch. Returns how many SQEs the kernel took.
   */
  public int submitAndWait(int min) throws IOException {
    int n = prepared;
    while (true) {
      try {
        int took = (int) syscall(SYS_IO_URING_ENTER, ringFd, n, min, IORING_ENTER_GETEVENTS, 0, 0);
        prepared -= took;
        return took;
      } catch (LastErrorException e) {
        if (e.getErrorCode() == Libc.EINTR) continue;
        throw new IOException(
            "io_uring_enter (submit "
                + n
                + ", wait "
                + min
                + ") failed: "
                + Libc.strerror(e.getErrorCode()),
            e);
      }
    }
  }

  /** Blocks until at least {@code min} completions are in the CQ (or a signal interrupts). */
  public void waitForCompletions(int min) throws IOException {
    try {
      syscall(SYS_IO_URING_ENTER, ringFd, 0, min, IORING_ENTER_GETEVENTS, 0, 0);
    } catch (LastErrorException e) {
      if (e.getErrorCode() == Libc.EINTR || e.getErrorCode() == Libc.EAGAIN) return;
      throw new IOException("io_uring_enter (wait) failed: " + Libc.strerror(e.getErrorCode()), e);
    }
  }

  /** Consumes every completion in the CQ, in order, and returns how many. Reaper only. */
  public int reap(Completion sink) {
    int head = (int) INT.getAcquire(cqRing, cqHeadOff);
    int tail = (int) INT.getAcquire(cqRing, cqTailOff);
    int n = 0;
    while (head != tail) {
      int base = cqesOff + (head & cqMask) * cqeBytes;
      long userData = cqRing.getLong(base + CQE_USER_DATA);
      int res = cqRing.getInt(base + CQE_RES);
      head++;
      n++;
      INT.setRelease(
          cqRing, cqHeadOff, head); // the slot is free before the callback may submit more
      inFlight.decrementAndGet();
      sink.completed(userData, res);
    }
    return n;
  }

  /**
   * What a passthrough completion carries: tag, result, and the controller's DW0 (CQE32's
   * big_cqe[0]).
   */
  public interface CommandCompletion {
    /**
     * {@code result}: 0 on success, a positive NVMe status field (SCT in bits 10:8, SC in 7:0, as
     * the controller reported it) when the controller failed the command, -errno when the kernel
     * did not get it to the controller.
     */
    void completed(long userData, int result, long dw0);
  }

  /** As {@link #reap}, for a CQE32 ring: also hands out each completion's DW0. Reaper only. */
  public int reapCommands(CommandCompletion sink) {
    if (cqeBytes != 2 * CQE_BYTES)
      throw new IllegalStateException("reapCommands needs a ring opened with IORING_SETUP_CQE32");
    int head = (int) INT.getAcquire(cqRing, cqHeadOff);
    int tail = (int) INT.getAcquire(cqRing, cqTailOff);
    int n = 0;
    while (head != tail) {
      int base = cqesOff + (head & cqMask) * cqeBytes;
      long userData = cqRing.getLong(base + CQE_USER_DATA);
      int res = cqRing.getInt(base + CQE_RES);
      long dw0 = cqRing.getLong(base + CQE_BIG0);
      head++;
      n++;
      INT.setRelease(cqRing, cqHeadOff, head);
      inFlight.decrementAndGet();
      sink.completed(userData, res, dw0);
    }
    return n;
  }

  @Override
  public synchronized void close() {
    if (closed) return;
    closed = true;
    Libc.munmap(sqesAddr, sqesLen);
    Libc.munmap(cqRingAddr, cqRingLen);
    Libc.munmap(sqRingAddr, sqRingLen);
    Libc.close(ringFd);
  }
}
