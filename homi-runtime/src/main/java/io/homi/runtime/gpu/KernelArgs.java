package io.homi.runtime.gpu;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;

/**
 * The {@code void* kernelParams[]} of cuLaunchKernel: each argument in its own 8-byte cell, and an
 * array of the cells' addresses. Arguments are added in the kernel's parameter order.
 */
public final class KernelArgs implements AutoCloseable {
  private static final int MAX = 32;
  private final Memory cells = new Memory(8L * MAX);
  private final Memory pointers = new Memory(8L * MAX);
  private int n;

  /**
   * Arguments in order: a Long is a device pointer or 64-bit integer, an Integer a 32-bit integer.
   */
  public static KernelArgs of(Object... values) {
    KernelArgs a = new KernelArgs();
    for (Object v : values) {
      if (v instanceof Long l) a.u64(l);
      else if (v instanceof Integer i) a.u32(i);
      else throw new IllegalArgumentException("kernel argument " + v);
    }
    return a;
  }

  KernelArgs u64(long v) {
    slot().setLong(0, v);
    return this;
  }

  KernelArgs ptr(long devicePointer) {
    return u64(devicePointer);
  }

  KernelArgs u32(int v) {
    slot().setInt(0, v);
    return this;
  }

  private Pointer slot() {
    if (n == MAX) throw new IllegalStateException("more than " + MAX + " kernel arguments");
    Pointer cell = cells.share(8L * n);
    pointers.setPointer(8L * n, cell);
    n++;
    return cell;
  }

  public Pointer pointer() {
    return pointers;
  }

  @Override
  public void close() {
    cells.close();
    pointers.close();
  }
}
