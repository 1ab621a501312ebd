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
 * process; reads are queued as SQEs ({@link #prepareRead}), handed to the kernel by one
 * {@code io_uring_enter} per batch ({@link #submit}), and their results read from the CQ ring
 * ({@link #reap}) without a system call, or waited for ({@link #waitForCompletions}).
 *
 * <p>Threading: one submitter at a time (callers hold a lock around prepare + submit) and one
 * reaper at a time; the two may be different threads, as the SQ and CQ rings are independent.
 * {@link #inFlight} never exceeds {@link #capacity} (the CQ size), so the CQ cannot overflow:
 * when it is reached, {@link #prepareRead} refuses and the caller holds the read back.
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
  private static final VarHandle INT = MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

  /** syscall(2) with six integer arguments; returns -1 with errno set on failure. */
  private static native long syscall(long number, long a1, long a2, long a3, long a4, long a5, long a6)
      throws LastErrorException;

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
  /** SQEs prepared but not yet handed to the kernel (submitter-owned). */
  private int sqTail;
  private int prepared;
  private final AtomicInteger inFlight = new AtomicInteger();
  private volatile boolean closed;

  private IoUring(int ringFd, Memory p) throws IOException {
    this.ringFd = ringFd;
    this.sqEntries = p.getInt(P_SQ_ENTRIES);
    int cqEntries = p.getInt(P_CQ_ENTRIES);
    this.sqHeadOff = p.getInt(P_SQ_HEAD);
    this.sqTailOff = p.getInt(P_SQ_TAIL);
    this.sqArrayOff = p.getInt(P_SQ_ARRAY);
    this.cqHeadOff = p.getInt(P_CQ_HEAD);
    this.cqTailOff = p.getInt(P_CQ_TAIL);
    this.cqesOff = p.getInt(P_CQ_CQES);
    this.sqRingLen = sqArrayOff + 4L * sqEntries;
    this.cqRingLen = cqesOff + (long) CQE_BYTES * cqEntries;
    this.sqesLen = (long) SQE_BYTES * sqEntries;
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
    this.sqRing = new Pointer(sqRingAddr).getByteBuffer(0, sqRingLen).order(ByteOrder.LITTLE_ENDIAN);
    this.cqRing = new Pointer(cqRingAddr).getByteBuffer(0, cqRingLen).order(ByteOrder.LITTLE_ENDIAN);
    this.sqes = new Pointer(sqesAddr).getByteBuffer(0, sqesLen).order(ByteOrder.LITTLE_ENDIAN);
    int sqMask = sqRing.getInt(p.getInt(P_SQ_RING_MASK));
    this.cqMask = cqRing.getInt(p.getInt(P_CQ_RING_MASK));
    if (sqMask != sqEntries - 1 || cqMask != cqEntries - 1) {
      throw new IOException("io_uring ring masks " + sqMask + "/" + cqMask + " for " + sqEntries + "/" + cqEntries + " entries");
    }
    this.sqTail = (int) INT.getAcquire(sqRing, sqTailOff);
    this.capacity = Math.min(cqEntries, 2 * sqEntries);
  }

  /**
   * A ring of {@code entries} SQEs (a power of two; the kernel gives twice as many CQEs).
   * Throws with the errno's text where io_uring is unavailable: ENOSYS (kernel without it),
   * EPERM (disabled by sysctl or a seccomp filter), ENOMEM (locked-memory limit).
   */
  public static IoUring open(int entries) throws IOException {
    if (Integer.bitCount(entries) != 1) throw new IllegalArgumentException("io_uring entries must be a power of two: " + entries);
    try (Memory p = new Memory(PARAMS_BYTES)) {
      p.clear();
      int fd;
      try {
        fd = (int) syscall(SYS_IO_URING_SETUP, entries, Pointer.nativeValue(p), 0, 0, 0, 0);
      } catch (LastErrorException e) {
        throw new IOException("io_uring_setup failed: " + Libc.strerror(e.getErrorCode()) + " (errno " + e.getErrorCode() + ")", e);
      } catch (UnsatisfiedLinkError e) {
        throw new IOException("io_uring_setup unavailable: " + e.getMessage(), e);
      }
      try {
        return new IoUring(fd, p);
      } catch (IOException | RuntimeException e) {
        Libc.close(fd);
        throw e;
      }
    }
  }

  private long map(long len, long offset) throws IOException {
    try {
      return Libc.mmap(0, len, PROT_RW, Libc.MAP_SHARED | MAP_POPULATE, ringFd, offset);
    } catch (LastErrorException e) {
      throw new IOException("mmap of io_uring ring at 0x" + Long.toHexString(offset) + " failed: " + Libc.strerror(e.getErrorCode()), e);
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
   * Queues {@code read(fd, address, length)} at {@code fileOffset}, tagged {@code userData};
   * false when the ring is at capacity (nothing queued: back-pressure, the caller keeps it).
   * Submitter only; nothing reaches the kernel before {@link #submit}.
   */
  public boolean prepareRead(int fd, long address, int length, long fileOffset, long userData) {
    return prepare(IORING_OP_READ, fd, address, length, fileOffset, 0, userData);
  }

  /** As {@link #prepareRead}, with preadv2 flags ({@link Libc#RWF_NOWAIT}: only what the page cache holds). */
  public boolean prepareRead(int fd, long address, int length, long fileOffset, int rwFlags, long userData) {
    return prepare(IORING_OP_READ, fd, address, length, fileOffset, rwFlags, userData);
  }

  /** A no-op: completes at once with result 0 (wakes a reaper waiting in {@link #waitForCompletions}). */
  public boolean prepareNop(long userData) {
    return prepare(IORING_OP_NOP, -1, 0, 0, 0, 0, userData);
  }

  private boolean prepare(byte op, int fd, long address, int length, long fileOffset, int rwFlags, long userData) {
    if (closed) throw new IllegalStateException("io_uring is closed");
    if (inFlight.get() >= capacity || prepared >= sqEntries) return false;
    int head = (int) INT.getAcquire(sqRing, sqHeadOff);
    if (sqTail - head >= sqEntries) return false;
    int idx = sqTail & (sqEntries - 1);
    int base = idx * SQE_BYTES;
    for (int i = 0; i < SQE_BYTES; i += 8) sqes.putLong(base + i, 0L);
    sqes.put(base + SQE_OPCODE, op);
    sqes.putInt(base + SQE_FD, fd);
    sqes.putLong(base + SQE_OFF, fileOffset);
    sqes.putLong(base + SQE_ADDR, address);
    sqes.putInt(base + SQE_LEN, length);
    sqes.putInt(base + SQE_RW_FLAGS, rwFlags);
    sqes.putLong(base + SQE_USER_DATA, userData);
    sqRing.putInt(sqArrayOff + 4 * idx, idx);
    sqTail++;
    prepared++;
    inFlight.incrementAndGet(); // counted from here: the CQ slot is spoken for
    INT.setRelease(sqRing, sqTailOff, sqTail);
    return true;
  }

  /**
   * Hands every prepared SQE to the kernel in one {@code io_uring_enter}. Buffered reads of
   * cached data complete during this call; O_DIRECT reads are in flight at the device after it.
   * Returns how many the kernel took; throws where the call itself fails (the SQEs stay queued).
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
        throw new IOException("io_uring_enter (submit " + n + ") failed: " + Libc.strerror(e.getErrorCode()), e);
      }
    }
  }

  /**
   * Hands every prepared SQE to the kernel and waits for {@code min} completions, in one
   * {@code io_uring_enter}: for RWF_NOWAIT reads, which finish (or fail with EAGAIN) during
   * submission, one system call for a whole batch. Returns how many SQEs the kernel took.
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
        throw new IOException("io_uring_enter (submit " + n + ", wait " + min + ") failed: " + Libc.strerror(e.getErrorCode()), e);
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
      int base = cqesOff + (head & cqMask) * CQE_BYTES;
      long userData = cqRing.getLong(base + CQE_USER_DATA);
      int res = cqRing.getInt(base + CQE_RES);
      head++;
      n++;
      INT.setRelease(cqRing, cqHeadOff, head); // the slot is free before the callback may submit more
      inFlight.decrementAndGet();
      sink.completed(userData, res);
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
