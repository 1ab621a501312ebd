package io.homi.runtime.gpu;

import io.homi.runtime.mediator.IoPath;
import io.homi.runtime.mediator.Namespace;
import io.homi.runtime.os.HostBuffer;
import io.homi.runtime.os.Libc;
import java.io.IOException;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Proof that bytes landed in GPU memory are the file's: for random offsets and sizes (unaligned
 * heads and tails, unaligned device destinations), the GPU's checksum of the device bytes must
 * equal the host's checksum of the same file range read with plain pread.
 */
public final class GpuCorrectness {
  /** How many ranges matched out of how many, and the first mismatch (null when none). */
  public record Outcome(int passed, int total, String firstFailure) {
    public boolean ok() {
      return passed == total && total > 0;
    }

    @Override
    public String toString() {
      return passed + "/" + total + (firstFailure == null ? "" : " (" + firstFailure + ")");
    }
  }

  /** A way to land [offset, offset+length) of the file at device address dst. */
  @FunctionalInterface
  public interface Lander {
    void land(long offset, long length, long dstOffset) throws Exception;
  }

  private final Kernels kernels;
  private final Namespace ns;
  private final DeviceBuffer dst;
  private final long maxLen;

  public GpuCorrectness(Kernels kernels, Namespace ns, DeviceBuffer dst, long maxLen) {
    this.kernels = kernels;
    this.ns = ns;
    this.dst = dst;
    this.maxLen = maxLen;
  }

  public static Lander of(IoPath path, Namespace ns, DeviceBuffer dst) {
    return (off, len, dstOff) -> {
      long n = path.read(ns, off, dst.address() + dstOff, len);
      if (n != len) throw new IOException("short read " + n + " of " + len + " at " + off);
    };
  }

  /** {@code count} random ranges plus the whole file (when it fits the destination). */
  public Outcome check(Lander lander, int count, long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    long size = ns.sizeBytes();
    int passed = 0;
    int total = 0;
    String first = null;
    long room = dst.capacity() - (1 << 20);
    for (int i = 0; i <= count; i++) {
      long len;
      long off;
      long dstOff;
      if (i == count) {
        if (size > room) break;
        len = size;
        off = 0;
        dstOff = 0;
      } else {
        len = 1 + rnd.nextLong(Math.min(maxLen, size));
        off = rnd.nextLong(size - len + 1);
        dstOff =
            4096
                + rnd.nextLong(1 << 20); // >= 4 KiB: block-aligned landers start up to 4 KiB before
      }
      total++;
      try {
        dst.fill((byte) 0x5A); // stale bytes from an earlier range must not pass as data
        lander.land(off, len, dstOff);
        long gpu = kernels.checksum(dst.address() + dstOff, len);
        long host = hostChecksum(off, len);
        if (gpu == host) passed++;
        else if (first == null)
          first = "range " + off + "+" + len + ": gpu " + gpu + " != host " + host;
      } catch (Exception e) {
        if (first == null) first = "range " + off + "+" + len + ": " + e.getMessage();
      }
    }
    return new Outcome(passed, total, first);
  }

  private long hostChecksum(long off, long len) throws IOException {
    try (HostBuffer b = new HostBuffer(len)) {
      long n = Libc.preadFully(ns.file().fd(), b.address(), len, off);
      if (n != len) throw new IOException("host reference read short at " + off);
      return Kernels.hostChecksum(b.address(), len);
    }
  }

  /**
   * Lands a range by host-initiated commands into device memory through the mediator's GPU path
   * (dst registered as device memory): the read starts at the block boundary below the range, up to
   * 4 KiB before {@code dstOffset}.
   */
  public static Lander of(io.homi.runtime.io.QueueClient client, Namespace ns, DeviceBuffer dst) {
    return (off, len, dstOff) -> {
      long skew = off & (Namespace.LBA_SIZE - 1);
      client.read(ns, off - skew, len + skew, dst.address() + dstOff - skew);
    };
  }

  /** Lands requests through GPU-initiated commands; any non-zero status fails the range. */
  public static Lander of(GpuInitiatedReader reader, Namespace ns, DeviceBuffer dst) {
    return (off, len, dstOff) -> {
      List<GpuInitiatedReader.GpuRead> reads =
          reader.plan(List.of(new GpuInitiatedReader.Request(off, len, dstOff)));
      int[] st = reader.run(ns, reads, dst, 0);
      for (int s : st) if (s != 0) throw new IOException("GPU command status " + s);
    };
  }
}
