package io.homi.runtime.nvme;

import java.nio.ByteBuffer;

/**
 * Where a queue pair's rings and doorbells live. Host memory today; GPU-mapped pinned memory
 * (cuMemHostAlloc with DEVICEMAP) implements the same interface so GPU threads can write SQEs and
 * doorbells while the host mediator polls them.
 */
public interface QueueMemory extends AutoCloseable {
  /** Host virtual address of the first byte. */
  long address();

  /** A little-endian view of the whole region. */
  ByteBuffer buffer();

  /** The device-visible address of the region, or 0 where no device maps it. */
  default long deviceAddress() {
    return 0L;
  }

  @Override
  void close();
}
