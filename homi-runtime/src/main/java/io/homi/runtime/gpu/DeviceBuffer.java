package io.homi.runtime.gpu;

/** Device memory from cuMemAlloc with an explicit lifetime; its address is a CUdeviceptr. */
public final class DeviceBuffer implements AutoCloseable {
  private final long address;
  private final long capacity;
  private boolean closed;

  public DeviceBuffer(long capacity) {
    if (capacity <= 0) throw new IllegalArgumentException("capacity " + capacity);
    this.address = CudaDriver.memAlloc(capacity);
    this.capacity = capacity;
  }

  public long address() {
    return address;
  }

  public long capacity() {
    return capacity;
  }

  public void checkRange(long offset, long length) {
    if (offset < 0 || length < 0 || offset + length > capacity) {
      throw new IndexOutOfBoundsException("device range " + offset + "+" + length + " > " + capacity);
    }
  }

  public void fill(byte value) {
    CudaDriver.memsetD8Sync(address, value, capacity); // done before later copies on other streams
  }

  @Override
  public synchronized void close() {
    if (closed) return;
    closed = true;
    CudaDriver.memFree(address);
  }
}
