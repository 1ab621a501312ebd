package io.homi.runtime.os;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import com.sun.jna.Pointer;

/**
 * Every libc call HOMI makes, in one place (the runtime's single native boundary to libc).
 * Direct-mapped through JNA for low per-call cost; pointers cross as {@code long} addresses. Errors
 * surface as {@link LastErrorException} carrying errno, turned into IOExceptions by callers.
 */
public final class Libc {
  static {
    Native.register(Platform.LIBC);
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

  public static native int open(String path, int flags) throws LastErrorException;

  public static native int close(int fd) throws LastErrorException;

  public static native long pread(int fd, long buf, long count, long offset)
      throws LastErrorException;

  /** pwrite(2): only VFIO's PCI config region is written this way (never a file or device). */
  public static native long pwrite(int fd, long buf, long count, long offset)
      throws LastErrorException;

  /** preadv2 with one iovec at {@code iov}; flags such as RWF_NOWAIT probe the page cache. */
  public static native long preadv2(int fd, long iov, int iovcnt, long offset, int flags)
      throws LastErrorException;

  public static native int statx(int dirfd, String path, int flags, int mask, long statxBuf)
      throws LastErrorException;

  public static native int ioctl(int fd, NativeLong request, long arg) throws LastErrorException;

  public static native int posix_fadvise(int fd, long offset, long len, int advice);

  public static native int fdatasync(int fd) throws LastErrorException;

  public static native String strerror(int errnum);

  /** The errno carried by a failed call, or -1. */
  public static int errno(Throwable t) {
    return t instanceof LastErrorException e ? e.getErrorCode() : -1;
  }

  /** Reads {@code count} bytes at {@code offset} until done or EOF; returns bytes read. */
  public static long preadFully(int fd, long buf, long count, long offset) {
    long done = 0;
    while (done < count) {
      long n;
      try {
        n = pread(fd, buf + done, count - done, offset + done);
      } catch (LastErrorException e) {
        if (e.getErrorCode() == EINTR) continue;
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
  public static native int fstatfs(int fd, long buf) throws LastErrorException;

  public static native int fsync(int fd) throws LastErrorException;

  /** mode 0 allocates blocks (ext4/xfs mark them unwritten); used by tests to make known shapes. */
  public static native int fallocate(int fd, int mode, long offset, long len)
      throws LastErrorException;

  public static native int inotify_init1(int flags) throws LastErrorException;

  public static native int inotify_add_watch(int fd, String path, int mask)
      throws LastErrorException;

  public static native int inotify_rm_watch(int fd, int wd) throws LastErrorException;

  public static native long read(int fd, long buf, long count) throws LastErrorException;

  public static final int PROT_READ = 0x1;
  public static final int PROT_WRITE = 0x2;
  public static final int MAP_SHARED = 0x01;

  /** mmap(2); the address, or -1 (MAP_FAILED) with errno set. */
  public static native long mmap(long addr, long length, int prot, int flags, int fd, long offset)
      throws LastErrorException;

  public static native int munmap(long addr, long length) throws LastErrorException;

  /** madvise(2) advice: back the range with transparent huge pages where the kernel can. */
  public static final int MADV_HUGEPAGE = 14;

  public static native int madvise(long addr, long length, int advice) throws LastErrorException;

  /** mincore(2): one byte per page of [addr, addr+length) into {@code vec}; bit 0 = resident. */
  public static native int mincore(long addr, long length, long vec) throws LastErrorException;

  /** poll(2) over {@code nfds} struct pollfd (8 bytes each) at {@code fds}. */
  public static native int poll(long fds, long nfds, int timeoutMs) throws LastErrorException;
}
