package io.homi.runtime.gpu;

import io.homi.runtime.os.HostBuffer;
import io.homi.runtime.os.Libc;
import io.homi.runtime.os.OpenFile;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The anchors every GPU path is compared with, in the same run: raw O_DIRECT reads of the file into
 * host memory, buffered (page cache) reads into pinned memory, a plain single-threaded pread +
 * cuMemcpyHtoD loop from pageable memory, and pinned host-to-device copy bandwidth.
 */
public final class IoBaselines implements AutoCloseable {
  private static final long TASK = 4L << 20;

  private final GpuDevice gpu;
  private final int workers;
  private final ExecutorService pool;
  private final List<PinnedBuffer> perWorker = new ArrayList<>();

  public IoBaselines(GpuDevice gpu, int workers) {
    this.gpu = gpu;
    this.workers = workers;
    this.pool =
        Executors.newFixedThreadPool(
            workers,
            r -> {
              Thread t =
                  new Thread(
                      () -> {
                        gpu.bind();
                        r.run();
                      },
                      "homi-baseline");
              t.setDaemon(true);
              return t;
            });
    for (int i = 0; i < workers; i++) perWorker.add(new PinnedBuffer(TASK));
  }

  /**
   * {@code workers} threads, each streaming its share of the file in 4 MiB preads on {@code fd}.
   */
  public long parallelRead(OpenFile f, boolean direct) throws Exception {
    int fd = direct ? f.directFd() : f.fd();
    if (fd < 0) throw new IOException("O_DIRECT refused for " + f.path());
    long size = f.size();
    long share = ((size + workers - 1) / workers + TASK - 1) & -TASK;
    List<Future<Long>> fs = new ArrayList<>();
    for (int w = 0; w < workers; w++) {
      long start = w * share;
      long end = Math.min(size, start + share);
      long buf = perWorker.get(w).address();
      Callable<Long> c =
          () -> {
            long done = 0;
            for (long at = start; at < end; at += TASK) {
              long want = direct ? TASK : Math.min(TASK, end - at);
              done += Math.min(Libc.preadFully(fd, buf, want, at), end - at);
            }
            return done;
          };
      fs.add(pool.submit(c));
    }
    long total = 0;
    for (Future<Long> x : fs) total += x.get();
    return total;
  }

  /** The plain loop a user would write: buffered pread into pageable memory, then cuMemcpyHtoD. */
  public long preadMemcpy(OpenFile f, DeviceBuffer dst) throws IOException {
    try (HostBuffer host = new HostBuffer(TASK)) {
      long addr = host.address();
      long done = 0;
      while (done < f.size()) {
        long n = Libc.preadFully(f.fd(), addr, Math.min(TASK, f.size() - done), done);
        if (n <= 0) break;
        CudaDriver.copyHtoD(dst.address() + done, addr, n);
        done += n;
      }
      return done;
    }
  }

  /**
   * Pinned host to device copies of {@code total} bytes in {@code chunk}-byte cuMemcpyHtoD calls.
   */
  public static long pinnedHtoD(PinnedBuffer src, DeviceBuffer dst, long total) {
    long chunk = Math.min(src.capacity(), dst.capacity());
    long done = 0;
    while (done < total) {
      long n = Math.min(chunk, total - done);
      CudaDriver.copyHtoD(dst.address(), src.address(), n);
      done += n;
    }
    return done;
  }

  @Override
  public void close() {
    pool.shutdownNow();
    gpu.bind();
    for (PinnedBuffer b : perWorker) b.close();
  }
}
