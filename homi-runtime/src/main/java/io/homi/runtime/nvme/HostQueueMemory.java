package io.homi.runtime.nvme;

import io.homi.runtime.os.HostBuffer;
import java.nio.ByteBuffer;

/** Queue memory in ordinary page-aligned host memory, zeroed so every phase tag starts at 0. */
public final class HostQueueMemory implements QueueMemory {
  private final HostBuffer buffer;
  private final ByteBuffer view;

  public HostQueueMemory(long bytes) {
    this.buffer = new HostBuffer(bytes);
    this.view = buffer.view(0, Math.toIntExact(bytes));
    for (int i = 0; i < view.capacity(); i++) view.put(i, (byte) 0);
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
  public void close() {
    buffer.close();
  }
}
