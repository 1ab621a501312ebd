package io.homi.runtime.gpu;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;

/**
 * The {@code void* kernelParams[]} of cuLaunchKernel: each argument in its own 8-byte cell,
 * and an array of the cells' addresses. Arguments are added in the kernel's parameter order.
 */
final class KernelArgs implements AutoCloseable {
  private static final int MAX = 32;
  private final Memory cells = new Memory(8L * MAX);
  private final Memory pointers = new Memory(8L * MAX);
  private int n;

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

  Pointer pointer() {
    return pointers;
  }

  @Override
  public void close() {
    cells.close();
    pointers.close();
  }
}
