package io.homi.runtime.mediator;

/**
 * The path for commands whose destination is device (GPU) memory, plugged into the mediator by the
 * GPU side ({@code io.homi.runtime.gpu.GpuPath}); the mediator package knows no CUDA. Its {@link
 * #read} writes device memory (cuFile, or O_DIRECT into pinned buffers then an async host-to-device
 * copy) and {@link #zero} clears device memory (cuMemsetD8): host code never dereferences a device
 * address, so these are the only ways the mediator touches one.
 */
public interface DeviceMemoryPath extends IoPath {
  @Override
  default PathKind kind() {
    return PathKind.GPU;
  }

  /** Sets device memory [address, address+length) to zero, complete when this returns. */
  void zero(long address, long length);

  /**
   * How it moves bytes (for errors and the doctor): e.g. "cuFile (COMPATIBILITY)" or "pinned
   * staging".
   */
  String describe();
}
