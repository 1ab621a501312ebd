package io.homi.runtime.os;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import com.sun.jna.Pointer;
import java.nio.ByteBuffer;

/**
 * Every libc call HOMI makes, in one place (the runtime's single native boundary to libc).
 * Direct-mapped through JNA for low per-call cost; pointers cross as {@code long} addresses. Errors
 * surface as {@link ErrnoException} carrying errno, turned into IOExceptions by callers. Also the
 * raw native memory primitives (allocate, free, read, write, view) that {@link HostBuffer} builds
 * on, so no class outside the native boundary handles JNA's {@code Memory} or {@code Pointer}.
 */
public final class Libc {
  /**
   * The direct-mapped functions. Each public method of {@link Libc} calls one and turns JNA's
   * {@link LastErrorException} into an {@link ErrnoException}, so callers never see a JNA type.
   */
  private static final class Sys {
    static {
      Native.register(Platform.LIBC);
    }

    private Sys() {}

    static native int open(String path, int flags) throws LastErrorException;

    static native int close(int fd) throws LastErrorException;

    static native long pread(int fd, long buf, long count, long offset) throws LastErrorException;

    static native long pwrite(int fd, long buf, long count, long offset) throws LastErrorException;

    static native long preadv2(int fd, long iov, int iovcnt, long offset, int flags)
        throws LastErrorException;

    static native int statx(int dirfd, String path, int flags, int mask, long statxBuf)
        throws LastErrorException;

    static native int ioctl(int fd, NativeLong request, long arg) throws LastErrorException;

    static native int posix_fadvise(int fd, long offset, long len, int advice);

    static native int fdatasync(int fd) throws LastErrorException;

    static native String strerror(int errnum);

    static native int fstatfs(int fd, long buf) throws LastErrorException;

    static native int fsync(int fd) throws LastErrorException;

    static native int fallocate(int fd, int mode, long offset, long len) throws LastErrorException;

    static native int inotify_init1(int flags) throws LastErrorException;

    static native int inotify_add_watch(int fd, String path, int mask) throws LastErrorException;

    static native int inotify_rm_watch(int fd, int wd) throws LastErrorException;

    static native long read(int fd, long buf, long count) throws LastErrorException;

    static native long mmap(long addr, long length, int prot, int flags, int fd, long offset)
        throws LastErrorException;

    static native int munmap(long addr, long length) throws LastErrorException;

    static native int madvise(long addr, long length, int advice) throws LastErrorException;

    static native int mincore(long addr, long length, long vec) throws LastErrorException;

    static native int poll(long fds, long nfds, int timeoutMs) throws LastErrorException;
  }

  /** JNA's error, as the {@link ErrnoException} callers catch (same errno, same message). */
  private static ErrnoException failed(LastErrorException e) {
    return new ErrnoException(e.getErrorCode(), e.getMessage(), e);
  }

  public static final int O_RDONLY = 0;

  /** Linux value on x86-64 and arm64 alike (asm-generic differs only on a few other arches). */
  public static final int O_DIRECT = Platform.IS_AARCH64 ? 0x10000 : 0x4000;

  public static final int O_CLOEXEC = 0x80000;
  public static final int AT_EMPTY_PATH = 0x1000;
  public static final int STATX_BASIC_STATS = 0x7ff;
  public static final int RWF_NOWAIT = 0x8;
  public static final int POSIX_FADV_DONTNEED = 4;
  public static final int EINTR = 4;
  public static final int EAGAIN = 11;

  private Libc() {}

  public static int open(String path, int flags) {
    try {
      return Sys.open(path, flags);
    } catch (LastErrorException e) {
      throw failed(e);
    }
  }

  public static int close(int fd) {
    try {
      return Sys.close(fd);
    } catch (LastErrorException e) {
      throw failed(e);
    }
  }

  public static long pread(int fd, long buf, long count, long offset) {
    try {
      return Sys.pread(fd, buf, count, offset);
    } catch (LastErrorException e) {
      throw failed(e);
    }
  }

  /** pwrite(2): only VFIO's PCI config region is written this way (never a file or device). */
  public static long pwrite(int fd, long buf, long count, long offset) {
    try {
      return Sys.pwrite(fd, buf, count, offset);
    } catch (LastErrorException e) {
      throw failed(e);
    }
  }

  /** preadv2 with one iovec at {@code iov}; flags such as RWF_NOWAIT probe the page cache. */
  public static long preadv2(int fd, long iov, int iovcnt, long offset, int flags) {
    try {
      return Sys.preadv2(fd, iov, iovcnt, offset, flags);
    } catch (LastErrorException e) {
      throw failed(e);
    }
  }

  public static int statx(int dirfd, String path, int flags, int mask, long statxBuf) {
    try {
      return Sys.statx(dirfd, path, flags, mask, statxBuf);
    } catch (LastErrorException e) {
      throw failed(e);
    }
  }

  public static int ioctl(int fd, long request, long arg) {
    try {
      return Sys.ioctl(fd, new NativeLong(request), arg);
    } catch (LastErrorException e) {
      throw failed(e);
    }
  }

  public static int posix_fadvise(int fd, long offset, long len, int advice) {
    return Sys.posix_fadvise(fd, offset, len, advice);
  }

  public static int fdatasync(int fd) {
    try {
      return Sys.fdatasync(fd);
    } catch (LastErrorException e) {
      throw failed(e);
    }
  }

  public static String strerror(int errnum) {
    return Sys.strerror(errnum);
  }

  /** The errno carried by a failed call, or -1. */
  public static int errno(Throwable t) {
    if (t instanceof ErrnoException e) return e.errno();
    return t instanceof LastErrorException e ? e.getErrorCode() : -1;
  }

  /** Reads {@code count} bytes at {@code offset} until done or EOF; returns bytes read. */
  public static long preadFully(int fd, long buf, long count, long offset) {
    long done = 0;
    while (done < count) {
      long n;
      try {
        n = pread(fd, buf + done, count - done, offset + done);
      } catch (ErrnoException e) {
        if (e.errno() == EINTR) continue;
        throw e;
      }
      if (n == 0) break;
      done += n;
    }
    return done;
  }

  /** Raw address of a JNA allocation. */
  public static long address(Memory m) {
    return Pointer.nativeValue(m);
  }

  // --- control plane (extents, invalidation, test files) -------------------------------------

  public static final int O_RDWR = 2;
  public static final int IN_NONBLOCK = 0x800;
  public static final int IN_CLOEXEC = 0x80000;
  public static final int POLLIN = 0x1;

  /** struct statfs into {@code buf} (f_type is its first word on x86-64 and arm64). */
  public static int fstatfs(int fd, long buf) {
    try {
      return Sys.fstatfs(fd, buf);
    } catch (LastErrorException e) {
      throw failed(e);
    }
  }

  public static int fsync(int fd) {
    try {
      return Sys.fsync(fd);
    } catch (LastErrorException e) {
      throw failed(e);
    }
  }

  /** mode 0 allocates blocks (ext4/xfs mark them unwritten); used by tests to make known shapes. */
  public static int fallocate(int fd, int mode, long offset, long len) {
    try {
      return Sys.fallocate(fd, mode, offset, len);
    } catch (LastErrorException e) {
      throw failed(e);
    }
  }

  public static int inotify_init1(int flags) {
    try {
      return Sys.inotify_init1(flags);
    } catch (LastErrorException e) {
      throw failed(e);
    }
  }

  public static int inotify_add_watch(int fd, String path, int mask) {
    try {
      return Sys.inotify_add_watch(fd, path, mask);
    } catch (LastErrorException e) {
      throw failed(e);
    }
  }

  public static int inotify_rm_watch(int fd, int wd) {
    try {
      return Sys.inotify_rm_watch(fd, wd);
    } catch (LastErrorException e) {
      throw failed(e);
    }
  }

  public static long read(int fd, long buf, long count) {
    try {
      return Sys.read(fd, buf, count);
    } catch (LastErrorException e) {
      throw failed(e);
    }
  }

  public static final int PROT_READ = 0x1;
  public static final int PROT_WRITE = 0x2;
  public static final int MAP_SHARED = 0x01;

  /** mmap(2); the address, or -1 (MAP_FAILED) with errno set. */
  public static long mmap(long addr, long length, int prot, int flags, int fd, long offset) {
    try {
      return Sys.mmap(addr, length, prot, flags, fd, offset);
    } catch (LastErrorException e) {
      throw failed(e);
    }
  }

  public static int munmap(long addr, long length) {
    try {
      return Sys.munmap(addr, length);
    } catch (LastErrorException e) {
      throw failed(e);
    }
  }

  /** madvise(2) advice: back the range with transparent huge pages where the kernel can. */
  public static final int MADV_HUGEPAGE = 14;

  public static int madvise(long addr, long length, int advice) {
    try {
      return Sys.madvise(addr, length, advice);
    } catch (LastErrorException e) {
      throw failed(e);
    }
  }

  /** mincore(2): one byte per page of [addr, addr+length) into {@code vec}; bit 0 = resident. */
  public static int mincore(long addr, long length, long vec) {
    try {
      return Sys.mincore(addr, length, vec);
    } catch (LastErrorException e) {
      throw failed(e);
    }
  }

  /** poll(2) over {@code nfds} struct pollfd (8 bytes each) at {@code fds}. */
  public static int poll(long fds, long nfds, int timeoutMs) {
    try {
      return Sys.poll(fds, nfds, timeoutMs);
    } catch (LastErrorException e) {
      throw failed(e);
    }
  }

  // --- native memory -------------------------------------------------------------------------

  /** {@code bytes} of native memory ({@link HostBuffer}'s), freed by close or when unreachable. */
  public static Allocation allocate(long bytes) {
    return new Allocation(bytes);
  }

  /**
   * Native memory from JNA's allocator, behind an API without JNA types: freed by {@link #close()}
   * or, if never closed, once neither it nor a {@link #view} of it is reachable (JNA's {@code
   * Memory} keeps a view's memory alive). Offsets are from its start; reads and writes are in
   * native byte order and bounds-checked.
   */
  public static final class Allocation implements AutoCloseable {
    private final Memory memory;

    private Allocation(long bytes) {
      this.memory = new Memory(bytes);
    }

    public long address() {
      return Pointer.nativeValue(memory);
    }

    /** A direct ByteBuffer over [offset, offset+length), keeping this memory alive. */
    public ByteBuffer view(long offset, int length) {
      return memory.getByteBuffer(offset, length);
    }

    /** Zeroes every byte. */
    public void clear() {
      memory.clear();
    }

    public byte getByte(long offset) {
      return memory.getByte(offset);
    }

    public int getInt(long offset) {
      return memory.getInt(offset);
    }

    public long getLong(long offset) {
      return memory.getLong(offset);
    }

    public void putShort(long offset, short value) {
      memory.setShort(offset, value);
    }

    public void putInt(long offset, int value) {
      memory.setInt(offset, value);
    }

    public void putLong(long offset, long value) {
      memory.setLong(offset, value);
    }

    /** Frees the memory; idempotent. */
    @Override
    public void close() {
      memory.close();
    }
  }

  /**
   * A direct ByteBuffer over [address, address+length) of memory that is not an {@link Allocation}
   * (pinned, mapped): the caller keeps that memory alive while the view is used.
   */
  public static ByteBuffer view(long address, int length) {
    return new Pointer(address).getByteBuffer(0, length).order(java.nio.ByteOrder.nativeOrder());
  }

  /** The native address of a direct ByteBuffer's first byte (its position 0). */
  public static long address(ByteBuffer direct) {
    if (!direct.isDirect()) throw new IllegalArgumentException("not a direct buffer");
    return Pointer.nativeValue(Native.getDirectBufferPointer(direct));
  }

  /** Sets {@code length} bytes at {@code address} (memory that is not an Allocation) to a value. */
  public static void setMemory(long address, long length, byte value) {
    new Pointer(address).setMemory(0, length, value);
  }

  /** The native-order long at {@code address} (an NVMe PRP list entry, memory not ours). */
  public static long getLong(long address) {
    return new Pointer(address).getLong(0);
  }
}
