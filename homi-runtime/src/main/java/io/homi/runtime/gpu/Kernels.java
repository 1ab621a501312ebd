package io.homi.runtime.gpu;

import io.homi.runtime.os.HostBuffer;
import io.homi.runtime.os.Libc;
import java.io.IOException;
import java.io.InputStream;

/**
 * HOMI's CUDA kernels: the fatbin that native/ builds with nvcc (resource
 * io/homi/kernels/homi.fatbin of the homi-native jar), loaded once per context, and typed launchers
 * for its extern "C" entry points.
 */
public final class Kernels implements AutoCloseable {
  public static final String RESOURCE = "io/homi/kernels/homi.fatbin";

  private final long module;
  private final long checksum;
  private final long fetchRanges;

  private Kernels(long module) {
    this.module = module;
    this.checksum = CudaDriver.moduleGetFunction(module, "homi_checksum_bytes");
    this.fetchRanges = CudaDriver.moduleGetFunction(module, "homi_fetch_ranges");
  }

  /** The fatbin bytes, or null when the build had no nvcc (the jar then ships no kernels). */
  public static byte[] fatbin() {
    ClassLoader cl = Kernels.class.getClassLoader();
    try (InputStream in = cl == null ? null : cl.getResourceAsStream(RESOURCE)) {
      return in == null ? null : in.readAllBytes();
    } catch (IOException e) {
      return null;
    }
  }

  /** Loads the module into the calling thread's current context. */
  public static Kernels load() {
    byte[] image = fatbin();
    if (image == null || image.length == 0) {
      throw new CudaException(
          "no GPU kernels in this build: resource "
              + RESOURCE
              + " is missing (native/ was built without nvcc)");
    }
    return new Kernels(CudaDriver.moduleLoadData(image));
  }

  /**
   * Position-weighted byte sum of device memory [dptr, dptr+n), computed on the GPU; equals {@link
   * #hostChecksum} over the same bytes.
   */
  public long checksum(long dptr, long n) {
    long out = CudaDriver.memAlloc(8);
    try {
      CudaDriver.memsetD8(out, (byte) 0, 8);
      try (KernelArgs a = new KernelArgs().ptr(dptr).u64(n).ptr(out)) {
        CudaDriver.launch(checksum, 1024, 256, 0, 0, a.pointer(), "homi_checksum_bytes");
      }
      CudaDriver.synchronize();
      try (HostBuffer h = new HostBuffer(8)) {
        CudaDriver.copyDtoH(h.address(), out, 8);
        return h.getLong(0);
      }
    } finally {
      CudaDriver.memFree(out);
    }
  }

  /** The same sum on the host, over {@code n} bytes at host address {@code addr}. */
  public static long hostChecksum(long addr, long n) {
    long sum = 0;
    byte[] chunk = new byte[1 << 16];
    for (long done = 0; done < n; done += chunk.length) {
      int len = (int) Math.min(chunk.length, n - done);
      Libc.view(addr + done, len).get(chunk, 0, len);
      for (int i = 0; i < len; i++) sum += (chunk[i] & 0xffL) * (((done + i) % 251) + 1);
    }
    return sum;
  }

  /**
   * Launches homi_fetch_ranges (see homi_kernels.cu) with one warp per queue pair; returns at once.
   */
  public void launchFetchRanges(
      long queuesDev,
      int sqEntries,
      int cqEntries,
      long cqOff,
      long dbOff,
      int nsid,
      long readsDev,
      int nReads,
      long dstDev,
      long stagingHost,
      long stagingDev,
      long slotBytes,
      int depth,
      long timeoutNanos,
      long stateDev,
      int warps,
      long stream) {
    int warpsPerBlock = warps % 4 == 0 ? 4 : 1;
    try (KernelArgs a =
        new KernelArgs()
            .ptr(queuesDev)
            .u32(sqEntries)
            .u32(cqEntries)
            .u64(cqOff)
            .u64(dbOff)
            .u32(nsid)
            .ptr(readsDev)
            .u32(nReads)
            .ptr(dstDev)
            .u64(stagingHost)
            .ptr(stagingDev)
            .u64(slotBytes)
            .u32(depth)
            .u64(timeoutNanos)
            .ptr(stateDev)) {
      CudaDriver.launch(
          fetchRanges,
          warps / warpsPerBlock,
          32 * warpsPerBlock,
          0,
          stream,
          a.pointer(),
          "homi_fetch_ranges");
    }
  }

  @Override
  public void close() {
    CudaDriver.moduleUnload(module);
  }
}
