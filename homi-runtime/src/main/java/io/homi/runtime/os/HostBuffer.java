package io.homi.runtime.os;

import com.sun.jna.Memory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Page-aligned off-heap memory with an explicit lifetime: the destination of read commands (its
 * address goes into SGL/PRP fields) and, for O_DIRECT, aligned as the kernel requires.
 */
public final class HostBuffer implements AutoCloseable {
  public static final int ALIGNMENT = 4096;

  private final Memory memory;
  private final long address;
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
    this.memory = new Memory(capacity + align);
    long raw = Libc.address(memory);
    this.address = (raw + align - 1) & -align;
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
    if (offset < 0 || length < 0 || offset + length > capacity) {
      throw new IndexOutOfBoundsException(offset + "+" + length + " > " + capacity);
    }
    return memory
        .getByteBuffer(address - Libc.address(memory) + offset, length)
        .order(ByteOrder.LITTLE_ENDIAN);
  }

  @Override
  public void close() {
    memory.close();
  }
}
