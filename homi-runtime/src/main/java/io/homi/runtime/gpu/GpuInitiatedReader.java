package io.homi.runtime.gpu;

import io.homi.runtime.mediator.Mediator;
import io.homi.runtime.mediator.Namespace;
import io.homi.runtime.mediator.PathPolicy;
import io.homi.runtime.nvme.QueuePair;
import io.homi.runtime.os.HostBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The host side of GPU-initiated reads: provisions one queue pair per warp in GPU-mapped pinned
 * memory (served by the mediator like any other, with the same validation), a pinned staging ring
 * the mediator may write into (registered in its BufferRegistry), and launches homi_fetch_ranges,
 * whose warps submit their own read commands and copy each landed slot into device memory. The host
 * does not touch a single command.
 */
public final class GpuInitiatedReader implements AutoCloseable {
  /** One requested read, in file bytes; split into slot-sized GPU commands by {@link #plan}. */
  public record Request(long fileOffset, long length, long dstOffset) {}

  /** A GPU command as homi_fetch_ranges reads it (struct GpuRead, 32 bytes). */
  public record GpuRead(long slba, int nlb0, int skip, long dstOffset, int length) {}

  public static final int STATUS_TIMEOUT = -1;
  public static final int STATUS_PENDING = -2;
  private static final int QUEUE_ENTRIES = 64;
  private static final long TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(20);

  private final Kernels kernels;
  private final Mediator mediator;
  private final int depth;
  private final long slotBytes;
  private final List<QueuePair> queues = new ArrayList<>();
  private final DeviceBuffer queueTable;

  /** Per warp {SQ tail, CQ head, phase}: kept on the device between launches. */
  private final DeviceBuffer queueState;

  private final PinnedBuffer staging;
  private final long stream;

  public GpuInitiatedReader(
      Kernels kernels, Mediator mediator, int warps, int depth, long slotBytes, PathPolicy policy) {
    if (depth < 1 || depth > 32 || depth >= QUEUE_ENTRIES)
      throw new IllegalArgumentException("depth " + depth);
    if (slotBytes % Namespace.LBA_SIZE != 0 || slotBytes > mediator.mdtsBytes()) {
      throw new IllegalArgumentException("slot size " + slotBytes);
    }
    this.kernels = kernels;
    this.mediator = mediator;
    this.depth = depth;
    this.slotBytes = slotBytes;
    this.staging = new PinnedBuffer((long) warps * depth * slotBytes);
    this.queueTable = new DeviceBuffer(8L * warps);
    this.queueState = new DeviceBuffer(12L * warps);
    this.stream = CudaDriver.streamCreate();
    try (HostBuffer table = new HostBuffer(8L * warps);
        HostBuffer state = new HostBuffer(12L * warps)) {
      for (int w = 0; w < warps; w++) {
        QueuePair qp =
            mediator.createQueuePair(QUEUE_ENTRIES, QUEUE_ENTRIES, policy, PinnedQueueMemory::new);
        queues.add(qp);
        table.putLong(8L * w, qp.memory().deviceAddress());
        state.putInt(12L * w, 0);
        state.putInt(12L * w + 4, 0);
        state.putInt(12L * w + 8, 1); // NVMe: the first pass through a zeroed CQ has phase 1
      }
      CudaDriver.copyHtoD(queueState.address(), state.address(), 12L * warps);
      CudaDriver.copyHtoD(queueTable.address(), table.address(), 8L * warps);
    }
    mediator.buffers().register(staging.address(), staging.capacity());
  }

  public long slotBytes() {
    return slotBytes;
  }

  /** Splits requests into commands of whole 4 KiB blocks that fit one staging slot. */
  public List<GpuRead> plan(List<Request> requests) {
    return GpuPlan.plan(requests, slotBytes);
  }

  /**
   * Runs {@code reads} on the GPU against namespace {@code ns} into device memory {@code dst};
   * returns each command's status (0 success, the NVMe status field, or STATUS_*). {@code
   * stagingHost}: 0 for the registered ring; another address tests that the mediator refuses
   * unregistered destinations.
   */
  public int[] run(Namespace ns, List<GpuRead> reads, DeviceBuffer dst, long stagingHost) {
    int n = reads.size();
    if (n == 0) return new int[0];
    for (GpuRead r : reads) dst.checkRange(r.dstOffset(), r.length());
    try (HostBuffer table = new HostBuffer(32L * n);
        DeviceBuffer dev = new DeviceBuffer(32L * n)) {
      for (int i = 0; i < n; i++) {
        GpuRead r = reads.get(i);
        long b = 32L * i;
        table.putLong(b, r.slba());
        table.putInt(b + 8, r.nlb0());
        table.putInt(b + 12, r.skip());
        table.putLong(b + 16, r.dstOffset());
        table.putInt(b + 24, r.length());
        table.putInt(b + 28, STATUS_PENDING);
      }
      CudaDriver.copyHtoD(dev.address(), table.address(), 32L * n);
      QueuePair q0 = queues.get(0);
      mediator.wake();
      kernels.launchFetchRanges(
          queueTable.address(),
          QUEUE_ENTRIES,
          QUEUE_ENTRIES,
          q0.cqOffset(),
          q0.sqTailDoorbellOffset(),
          ns.nsid(),
          dev.address(),
          n,
          dst.address(),
          stagingHost == 0 ? staging.address() : stagingHost,
          staging.deviceAddress(),
          slotBytes,
          depth,
          TIMEOUT_NANOS,
          queueState.address(),
          queues.size(),
          stream);
      CudaDriver.streamSynchronize(stream);
      CudaDriver.copyDtoH(table.address(), dev.address(), 32L * n);
      int[] status = new int[n];
      for (int i = 0; i < n; i++) status[i] = table.getInt(32L * i + 28);
      return status;
    }
  }

  @Override
  public void close() {
    mediator.buffers().unregister(staging.address());
    for (QueuePair qp : queues) mediator.deleteQueuePair(qp);
    queues.clear();
    CudaDriver.streamDestroy(stream);
    queueTable.close();
    queueState.close();
    staging.close();
  }
}
