package io.homi.runtime.os;

import com.sun.jna.Memory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Page-aligned off-heap memory with an explicit lifetime: the destination of read commands
 * (its address goes into SGL/PRP fields) and, for O_DIRECT, aligned as the kernel requires.
 */
public final class HostBuffer implements AutoCloseable {
  public static final int ALIGNMENT = 4096;

  private final Memory memory;
  private final long address;
  private final long capacity;

  public HostBuffer(long capacity) {
    if (capacity <= 0) throw new IllegalArgumentException("capacity " + capacity);
    this.memory = new Memory(capacity + ALIGNMENT);
    long raw = Libc.address(memory);
    this.address = (raw + ALIGNMENT - 1) & -(long) ALIGNMENT;
    this.capacity = capacity;
  }

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
    return memory.getByteBuffer(address - Libc.address(memory) + offset, length).order(ByteOrder.LITTLE_ENDIAN);
  }

  @Override
  public void close() {
    memory.close();
  }
}
