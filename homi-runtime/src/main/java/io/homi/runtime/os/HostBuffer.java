package io.homi.runtime.os;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Page-aligned off-heap memory with an explicit lifetime: the destination of read commands (its
 * address goes into SGL/PRP fields) and, for O_DIRECT, aligned as the kernel requires; also the
 * scratch memory of system calls that take a struct (statx, fstatfs, FIEMAP, poll, iovecs). The
 * memory is a {@link Libc.Allocation}: freed by {@link #close()}, or once neither this nor a view
 * is reachable.
 */
public final class HostBuffer implements AutoCloseable {
  public static final int ALIGNMENT = 4096;

  private final Libc.Allocation memory;
  private final long address;
  private final long skip; // address - the allocation's start
  private final long capacity;

  public HostBuffer(long capacity) {
    this(capacity, false);
  }

  /**
   * {@code hugePages}: 2 MiB aligned and advised as transparent huge pages (where the kernel has
   * them; else plain pages, silently). An O_DIRECT read into such memory is one physically
   * contiguous DMA segment per 2 MiB instead of one per 4 KiB page, so a large read is not split at
   * the device's segment limit (virtio-blk: 254) and adjacent reads can merge.
   */
  public HostBuffer(long capacity, boolean hugePages) {
    if (capacity <= 0) throw new IllegalArgumentException("capacity " + capacity);
    long align = hugePages ? HUGE_PAGE : ALIGNMENT;
    this.memory = Libc.allocate(capacity + align);
    long raw = memory.address();
    this.address = (raw + align - 1) & -align;
    this.skip = address - raw;
    this.capacity = capacity;
    if (hugePages) {
      try {
        Libc.madvise(address, capacity & -HUGE_PAGE, Libc.MADV_HUGEPAGE);
      } catch (RuntimeException e) {
        // THP off or unsupported: plain pages, correct either way
      }
    }
  }

  private static final long HUGE_PAGE = 2L << 20;

  public long address() {
    return address;
  }

  public long capacity() {
    return capacity;
  }

  /** A little-endian view of [offset, offset+length). */
  public ByteBuffer view(long offset, int length) {
    check(offset, length);
    return memory.view(skip + offset, length).order(ByteOrder.LITTLE_ENDIAN);
  }

  /** Zeroes the buffer (and the alignment slack before it). */
  public void clear() {
    memory.clear();
  }

  /** The native-order int at {@code offset} (the layout of the kernel's structs). */
  public int getInt(long offset) {
    check(offset, 4);
    return memory.getInt(skip + offset);
  }

  /** The native-order long at {@code offset}. */
  public long getLong(long offset) {
    check(offset, 8);
    return memory.getLong(skip + offset);
  }

  public byte getByte(long offset) {
    check(offset, 1);
    return memory.getByte(skip + offset);
  }

  public void putShort(long offset, short value) {
    check(offset, 2);
    memory.putShort(skip + offset, value);
  }

  public void putInt(long offset, int value) {
    check(offset, 4);
    memory.putInt(skip + offset, value);
  }

  public void putLong(long offset, long value) {
    check(offset, 8);
    memory.putLong(skip + offset, value);
  }

  private void check(long offset, long length) {
    if (offset < 0 || length < 0 || offset + length > capacity) {
      throw new IndexOutOfBoundsException(offset + "+" + length + " > " + capacity);
    }
  }

  /** Frees the memory; idempotent. */
  @Override
  public void close() {
    memory.close();
  }
}
