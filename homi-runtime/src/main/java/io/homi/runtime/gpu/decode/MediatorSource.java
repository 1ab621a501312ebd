package io.homi.runtime.gpu.decode;

import io.homi.runtime.mediator.BufferRegistry;
import io.homi.runtime.mediator.PathStats;
import io.homi.runtime.parquet.ParquetFileReader;
import java.io.IOException;

/**
 * Column chunk bytes for GPU decode read through the mediator on the scan's own {@link
 * ParquetFileReader}: its namespace and queue pair, with the destination the decoder's device
 * staging (registered as {@link BufferRegistry.Kind#DEVICE}), so the mediator serves them on its
 * GPU path (cuFile where the platform accepts the file, pinned staging otherwise). One file, one
 * attach: this wrapper owns nothing, the reader's close releases the namespace and queue.
 */
public final class MediatorSource {
  private final ParquetFileReader reader;

  private MediatorSource(ParquetFileReader reader) {
    this.reader = reader;
  }

  /** Device reads through {@code reader}; the mediator's GPU path attaches at the first read. */
  public static MediatorSource of(ParquetFileReader reader) {
    return new MediatorSource(reader);
  }

  BufferRegistry buffers() {
    return reader.buffers();
  }

  /**
   * Reads file ranges into device memory (4 KiB-aligned offsets; past end of file reads as zeros).
   */
  void read(long[] offsets, long[] lengths, long[] deviceDests) throws IOException {
    reader.readDevice(offsets, lengths, deviceDests);
  }

  /** Bytes and commands per path of the reader's queue pair (host and device reads together). */
  public PathStats.Snapshot stats() {
    return reader.pathStats();
  }

  /** How the mediator's GPU path serves reads (cuFile mode or staging, and why). */
  public String describe() {
    return reader.describeGpuPath();
  }
}
