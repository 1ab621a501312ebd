package io.homi.spark;

import io.homi.runtime.gpu.decode.GpuRowGroups;
import io.homi.runtime.gpu.decode.MediatorSource;
import io.homi.runtime.parquet.ColumnDescriptor;
import io.homi.runtime.parquet.UnsupportedParquetException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.parquet.format.FileMetaData;
import org.apache.spark.sql.vectorized.ColumnVector;
import org.apache.spark.sql.vectorized.ColumnarBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * GPU output of one file slice ({@code homi.output=gpu} or {@code gpu-or-host}): each row group
 * decoded on the GPU into one batch of {@link DeviceColumnVector}s, valid until the next one.
 * A row group the kernels refuse (type, encoding, codec) is left to the CPU decoder and counted;
 * with no usable GPU, {@code gpu} fails naming the reason and {@code gpu-or-host} reads on the host.
 */
final class GpuSliceOutput implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(GpuSliceOutput.class);
  private static volatile boolean hostFallbackLogged;
  private final GpuRowGroups gpu; // null: gpu-or-host without a usable GPU
  private final HomiMetrics.Task metrics;
  private GpuRowGroups.Batch current;
  private MediatorSource source; // the slice's file on the mediator's GPU path, opened at its first GPU row group
  private final long coalesceGap; // the scan's homi.coalesceGap, for the GPU staging runs as for host fetches
  private final int queueDepth; // the scan's homi.queueDepth, for the GPU source's queue pair

  private GpuSliceOutput(GpuRowGroups gpu, HomiMetrics.Task metrics, HomiOptions options) {
    this.gpu = gpu;
    this.coalesceGap = options.config().coalesceGapBytes();
    this.queueDepth = options.config().queueDepth();
    this.metrics = metrics;
  }

  /** Null for host output; throws when GPU output is required and this executor cannot give it. */
  static GpuSliceOutput open(HomiOptions options, HomiMetrics.Task metrics) {
    if (options.output() == HomiOptions.Output.HOST) return null;
    String reason = GpuRowGroups.unavailableReason();
    if (reason == null) return new GpuSliceOutput(GpuRowGroups.shared(), metrics, options);
    if (options.output() == HomiOptions.Output.GPU) {
      throw new HomiReadException(new java.io.IOException(HomiOptions.OUTPUT + "=gpu: " + reason + "; use "
          + HomiOptions.OUTPUT + "=gpu-or-host to fall back to host batches"));
    }
    if (!hostFallbackLogged) {
      hostFallbackLogged = true;
      LOG.info("homi {}=gpu-or-host: host output on this executor ({})", HomiOptions.OUTPUT, reason);
    }
    return new GpuSliceOutput(null, metrics, options);
  }

  /**
   * Row group {@code rg} as a batch of device columns in the file slots of {@code template}
   * (other slots, constants, kept), or null when it is to be decoded on the CPU.
   */
  ColumnarBatch read(Path file, FileMetaData md, List<ColumnDescriptor> cols, int rg, ColumnVector[] template,
                     int[] fileSlots, BufferAllocator allocator) throws IOException {
    release();
    if (gpu == null) {
      metrics.addHostFallbackRowGroups(1);
      return null;
    }
    String refused = GpuRowGroups.refusal(md, cols, rg);
    if (refused != null) return refused(file, rg, refused);
    try {
      // Every chunk byte goes through the mediator and its grants (no plain-pread switch).
      if (source == null) source = MediatorSource.open(io.homi.runtime.HomiRuntime.get(), file, queueDepth);
      current = gpu.decode(file, md, cols, rg, source, coalesceGap, allocator);
    } catch (UnsupportedParquetException e) {
      return refused(file, rg, e.getMessage());
    }
    metrics.addIoNanos(current.ioNanos());
    metrics.addDecodeNanos(current.decodeNanos());
    metrics.addGpuRowGroup(current.storedBytes());
    metrics.addRows(current.rows());
    ColumnVector[] out = template.clone();
    for (int k = 0; k < fileSlots.length; k++) {
      int slot = fileSlots[k];
      out[slot] = new DeviceColumnVector(template[slot].dataType(), current.columns().get(k));
    }
    return new ColumnarBatch(out, current.rows());
  }

  private ColumnarBatch refused(Path file, int rg, String why) {
    metrics.addGpuRefusedRowGroups(1);
    LOG.debug("homi row group {} of {} decoded on the CPU: {}", rg, file, why);
    return null;
  }

  /** Frees the previous row group's device (and host copy) memory. */
  void release() {
    if (current != null) current.close();
    current = null;
  }

  @Override
  public void close() {
    release();
    if (source != null) {
      metrics.fileDone(source.stats()); // bytes on the GPU path, in the per-path byte metrics
      source.close();
      source = null;
    }
  }
}
