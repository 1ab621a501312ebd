package io.homi.runtime.gpu.decode;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;

/** cuLaunchKernel's {@code void* kernelParams[]}: one 8-byte cell per argument, in order. */
final class Args implements AutoCloseable {
  private static final int MAX = 16;
  private final Memory cells = new Memory(8L * MAX);
  private final Memory pointers = new Memory(8L * MAX);
  private int n;

  static Args of(Object... values) {
    Args a = new Args();
    for (Object v : values) {
      if (v instanceof Long l) a.slot().setLong(0, l); // device pointers and 64-bit integers
      else if (v instanceof Integer i) a.slot().setInt(0, i); // 32-bit integers
      else throw new IllegalArgumentException("kernel argument " + v);
    }
    return a;
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
