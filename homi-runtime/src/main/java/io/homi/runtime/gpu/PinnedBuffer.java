package io.homi.runtime.gpu;

import io.homi.runtime.os.Libc;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Page-locked host memory from cuMemHostAlloc(PORTABLE | DEVICEMAP): DMA-able for fast async
 * copies, usable from every context, and mapped into the GPU's address space so kernels can read
 * and write it directly (that is what lets GPU threads write SQEs and doorbells). Page aligned, so
 * it is also a valid O_DIRECT destination.
 */
public final class PinnedBuffer implements AutoCloseable {
  private final long address;
  private final long deviceAddress;
  private final long capacity;
  private boolean closed;

  public PinnedBuffer(long capacity) {
    if (capacity <= 0) throw new IllegalArgumentException("capacity " + capacity);
    this.address =
        CudaDriver.memHostAlloc(
            capacity, CudaDriver.CU_MEMHOSTALLOC_PORTABLE | CudaDriver.CU_MEMHOSTALLOC_DEVICEMAP);
    long dev;
    try {
      dev = CudaDriver.hostGetDevicePointer(address);
    } catch (CudaException e) {
      CudaDriver.memFreeHost(address);
      throw e;
    }
    this.deviceAddress = dev;
    this.capacity = capacity;
  }

  public long address() {
    return address;
  }

  /** The same bytes as seen from device code. */
  public long deviceAddress() {
    return deviceAddress;
  }

  public long capacity() {
    return capacity;
  }

  /** A little-endian view of [offset, offset+length). */
  public ByteBuffer view(long offset, int length) {
    if (offset < 0 || length < 0 || offset + length > capacity) {
      throw new IndexOutOfBoundsException(offset + "+" + length + " > " + capacity);
    }
    return Libc.view(address + offset, length).order(ByteOrder.LITTLE_ENDIAN);
  }

  public void zero() {
    Libc.setMemory(address, capacity, (byte) 0);
  }

  @Override
  public synchronized void close() {
    if (closed) return;
    closed = true;
    CudaDriver.memFreeHost(address);
  }
}
