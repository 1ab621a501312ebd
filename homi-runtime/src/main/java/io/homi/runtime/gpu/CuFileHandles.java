package io.homi.runtime.gpu;

import io.homi.runtime.mediator.Namespace;
import java.util.HashMap;
import java.util.Map;

/**
 * cuFile handles per namespace: the O_DIRECT descriptor for aligned tasks (what GPUDirect needs)
 * and the buffered one for unaligned heads and tails; where one cannot be registered the other
 * serves both.
 */
final class CuFileHandles implements AutoCloseable {
  private final Map<Namespace, long[]> byNs = new HashMap<>();
  private String lastError = "no descriptor";

  synchronized long handle(Namespace ns, boolean aligned) {
    long[] h = byNs.computeIfAbsent(ns, k -> new long[] {-1, -1});
    int i = aligned ? 0 : 1;
    if (h[i] == -1) h[i] = register(ns, aligned);
    if (h[i] == 0) h[i] = aligned ? handle(ns, false) : register(ns, true);
    if (h[i] == 0)
      throw new CudaException(
          "cuFileHandleRegister refused both descriptors of " + ns.path() + ": " + lastError);
    return h[i];
  }

  private long register(Namespace ns, boolean direct) {
    int fd = direct ? ns.file().directFd() : ns.file().fd();
    if (fd < 0) return 0;
    try {
      return CuFile.handleRegister(fd, ns.path());
    } catch (CudaException e) {
      lastError = (direct ? "O_DIRECT fd: " : "buffered fd: ") + e.getMessage();
      return 0;
    }
  }

  @Override
  public synchronized void close() {
    for (long[] h : byNs.values()) {
      if (h[0] > 0) CuFile.handleDeregister(h[0]);
      if (h[1] > 0 && h[1] != h[0]) CuFile.handleDeregister(h[1]);
    }
    byNs.clear();
  }
}
