package io.homi.spark;

import io.homi.runtime.HomiRuntime;
import io.homi.runtime.gpu.DeviceBuffer;
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
 * GPU output of one file split ({@code homi.output=gpu} or {@code gpu-or-host}): each row group
 * decoded on the GPU into one batch of {@link DeviceColumnVector}s, valid until the next one. Under
 * {@code homi.gpuHostCopy=eager} (the default) every column is copied to one pinned host buffer
 * right after the decode, asynchronously, and CPU reads see Arrow views of it. A row group the
 * kernels refuse (type, encoding, codec) is left to the CPU decoder and counted; with no usable
 * GPU, {@code gpu} fails naming the reason and {@code gpu-or-host} reads on the host. A GPU
 * out-of-memory while decoding a row group fails the task under {@code gpu} (naming file and row
 * group); under {@code gpu-or-host} that row group is decoded on the CPU and counted.
 */
final class GpuSplitOutput implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(GpuSplitOutput.class);
  private static volatile boolean hostFallbackLogged;
  private static final java.util.Set<Integer> DEVICE_LOGGED =
      java.util.concurrent.ConcurrentHashMap.newKeySet();
  private final GpuRowGroups gpu; // null: gpu-or-host without a usable GPU
  private final HomiMetrics.Task metrics;
  private final boolean
      strict; // homi.output=gpu: an out-of-memory fails the task instead of decoding on the CPU
  private GpuRowGroups.Batch current;
  private MediatorSource
      source; // the split's file on the mediator's GPU path, opened at its first GPU row group
  private final long
      coalesceGap; // the scan's homi.coalesceGap, for the GPU staging runs as for host fetches
  private final GpuRowGroups.HostCopy
      hostCopy; // homi.gpuHostCopy (eager: copies issued right after each decode)

  private GpuSplitOutput(
      GpuRowGroups gpu, HomiMetrics.Task metrics, HomiOptions options, boolean strict) {
    this.gpu = gpu;
    this.coalesceGap = options.config().coalesceGapBytes();
    this.hostCopy = GpuRowGroups.HostCopy.of(options.hostCopy());
    this.metrics = metrics;
    this.strict = strict;
  }

  /**
   * Null for host output; throws when GPU output is required and this executor cannot give it. The
   * GPU is the one Spark assigned to the task ({@link GpuAssignment}), else the JVM's default; its
   * decoders are the runtime's ({@link HomiRuntime#gpuRowGroups(int)}).
   */
  static GpuSplitOutput open(HomiRuntime runtime, HomiOptions options, HomiMetrics.Task metrics) {
    if (options.output() == HomiOptions.Output.HOST) return null;
    boolean strict = options.output() == HomiOptions.Output.GPU;
    GpuAssignment device = GpuAssignment.forCurrentTask();
    String reason = runtime.gpuUnavailable(device.ordinal());
    if (reason == null) {
      if (DEVICE_LOGGED.add(device.ordinal())) {
        io.homi.runtime.gpu.GpuProbe.Result p =
            io.homi.runtime.gpu.GpuProbe.probe(device.ordinal());
        LOG.info(
            "homi {}={}: decoding on {}: {} {}",
            HomiOptions.OUTPUT,
            strict ? "gpu" : "gpu-or-host",
            device,
            p.deviceName(),
            p.pciAddress());
      }
      return new GpuSplitOutput(runtime.gpuRowGroups(device.ordinal()), metrics, options, strict);
    }
    String where = "executor " + executorId() + ", " + device;
    if (strict) {
      throw new HomiReadException(
          new java.io.IOException(
              HomiOptions.OUTPUT
                  + "=gpu: "
                  + reason
                  + " ("
                  + where
                  + "); use "
                  + HomiOptions.OUTPUT
                  + "=gpu-or-host to fall back to host batches"));
    }
    if (!hostFallbackLogged) {
      hostFallbackLogged = true;
      LOG.info(
          "homi {}=gpu-or-host: host output on this executor ({}; {})",
          HomiOptions.OUTPUT,
          reason,
          where);
    }
    return new GpuSplitOutput(null, metrics, options, false);
  }

  private static String executorId() {
    org.apache.spark.SparkEnv env = org.apache.spark.SparkEnv.get();
    return env == null ? "?" : env.executorId();
  }

  /**
   * Row group {@code rg} as a batch of device columns in the file slots of {@code template} (other
   * slots, constants, kept), or null when it is to be decoded on the CPU.
   */
  ColumnarBatch read(
      io.homi.runtime.parquet.ParquetFileReader reader,
      Path file,
      FileMetaData md,
      List<ColumnDescriptor> cols,
      int rg,
      ColumnVector[] template,
      int[] fileSlots,
      BufferAllocator allocator)
      throws IOException {
    release();
    if (gpu == null) {
      metrics.addHostFallbackRowGroups(1);
      return null;
    }
    String refused = GpuRowGroups.refusal(md, cols, rg);
    if (refused != null) return refused(file, rg, refused);
    try {
      // Every chunk byte goes through the mediator and its grants (no plain-pread switch).
      // Through the split's own reader: one namespace and queue pair per file, its path stats count
      // these bytes.
      if (source == null) source = MediatorSource.of(reader);
      // Under eager, the copies to pinned host memory run on the GPU's copy engine while this task
      // hands the batch to Spark and other tasks decode; the first host read waits for them.
      current = gpu.decode(file, md, cols, rg, source, coalesceGap, allocator, hostCopy);
    } catch (UnsupportedParquetException e) {
      return refused(file, rg, e.getMessage());
    } catch (IOException | RuntimeException e) {
      // out of device memory: in the decode, its staging, or attaching the mediator's GPU path
      if (!DeviceBuffer.isOutOfMemory(e)) throw e;
      // The decoder freed what it had allocated for this row group: the device is as before it.
      if (strict) {
        throw new HomiReadException(
            new IOException(
                HomiOptions.OUTPUT
                    + "=gpu: GPU "
                    + gpu.gpu().ordinal()
                    + " out of memory decoding row group "
                    + rg
                    + " of "
                    + file
                    + ": "
                    + e.getMessage()
                    + "; use "
                    + HomiOptions.OUTPUT
                    + "=gpu-or-host to decode such row groups on the CPU",
                e));
      }
      metrics.addGpuOutOfMemoryRowGroups(1);
      LOG.warn(
          "homi row group {} of {} decoded on the CPU: GPU {} out of memory ({})",
          rg,
          file,
          gpu.gpu().ordinal(),
          e.getMessage());
      return null;
    }
    metrics.addIoNanos(current.ioNanos());
    metrics.addDecodeNanos(current.decodeNanos());
    metrics.addGpuRowGroup(current.storedBytes());
    if (current.hostPinned())
      metrics.addGpuPinnedRowGroups(1); // eager copies into pinned memory under way
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
    source =
        null; // the split's reader owns the namespace and queue; its path stats reach the metrics
  }
}
