package io.homi.runtime.gpu;

import io.homi.runtime.nvme.QueueMemory;
import java.nio.ByteBuffer;

/**
 * Queue-pair memory that GPU threads can address: GPU-mapped pinned host memory, zeroed so every
 * CQE's phase tag starts at 0. Pass {@code PinnedQueueMemory::new} as the allocator of {@code
 * Mediator.createQueuePair}; device code gets {@link #deviceAddress()}.
 */
public final class PinnedQueueMemory implements QueueMemory {
  private final PinnedBuffer buffer;
  private final ByteBuffer view;

  public PinnedQueueMemory(long bytes) {
    this.buffer = new PinnedBuffer(bytes);
    buffer.zero();
    this.view = buffer.view(0, Math.toIntExact(bytes));
  }

  @Override
  public long address() {
    return buffer.address();
  }

  @Override
  public ByteBuffer buffer() {
    return view;
  }

  @Override
  public long deviceAddress() {
    return buffer.deviceAddress();
  }

  @Override
  public void close() {
    buffer.close();
  }
}
