package io.homi.spark;

import io.homi.runtime.mediator.PathKind;
import io.homi.runtime.mediator.PathStats;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.connector.metric.CustomMetric;
import org.apache.spark.sql.connector.metric.CustomSumMetric;
import org.apache.spark.sql.connector.metric.CustomTaskMetric;

/**
 * What HOMI did, shown on the scan node in the Spark UI. Spark instantiates the metric classes by
 * name on the driver, so each is a public class with a no-argument constructor; sizes and times are
 * summed as raw numbers and only formatted for display.
 */
public final class HomiMetrics {
  static final String BYTES_OS = "homiBytesOs";
  static final String BYTES_DIRECT = "homiBytesDirect";
  static final String BYTES_DEVICE = "homiBytesDevice";
  static final String BYTES_PASSTHROUGH = "homiBytesPassthrough";
  static final String BYTES_VF = "homiBytesVf";
  static final String BYTES_GPU = "homiBytesGpu";
  static final String COMMANDS = "homiCommands";
  static final String REFUSED = "homiRefusedCommands";
  static final String ROWS = "homiRowsDecoded";
  static final String ROW_GROUPS_READ = "homiRowGroupsRead";
  static final String ROW_GROUPS_PRUNED = "homiRowGroupsPruned";
  static final String ROW_GROUPS_DICT_PRUNED = "homiRowGroupsPrunedByDictionary";
  static final String PAGES_PRUNED = "homiPagesPruned";
  static final String DECODE_MS = "homiDecodeTimeMs";
  static final String IO_WAIT_MS = "homiIoWaitTimeMs";
  static final String GPU_ROW_GROUPS = "homiGpuRowGroups";
  static final String GPU_BYTES = "homiGpuStagedBytes";
  static final String GPU_REFUSED = "homiGpuRefusedRowGroups";
  static final String HOST_FALLBACK = "homiHostFallbackRowGroups";
  static final String GPU_OOM = "homiGpuOutOfMemoryRowGroups";
  static final String GPU_PINNED = "homiGpuPinnedRowGroups";
  static final String FOOTER_FILES = "homiFilesAnsweredFromFooter";
  static final String VALUE_FILES = "homiFilesAggregatedFromValues";

  private HomiMetrics() {}

  static CustomMetric[] supported() {
    return new CustomMetric[] {
      new BytesOs(),
      new BytesDirect(),
      new BytesDevice(),
      new BytesPassthrough(),
      new BytesVf(),
      new BytesGpu(),
      new Commands(),
      new Refused(),
      new RowsDecoded(),
      new RowGroupsRead(),
      new RowGroupsPruned(),
      new RowGroupsPrunedByDictionary(),
      new PagesPruned(),
      new DecodeTime(),
      new IoWaitTime(),
      new GpuRowGroups(),
      new GpuBytes(),
      new GpuRefused(),
      new HostFallback(),
      new GpuOutOfMemory(),
      new GpuPinned(),
      new FooterFiles(),
      new ValueFiles()
    };
  }

  static String bytesName(PathKind k) {
    return switch (k) {
      case OS -> BYTES_OS;
      case DIRECT -> BYTES_DIRECT;
      case DEVICE -> BYTES_DEVICE;
      case PASSTHROUGH -> BYTES_PASSTHROUGH;
      case VF -> BYTES_VF;
      case GPU -> BYTES_GPU;
    };
  }

  /** A byte count, displayed as "12.3 MiB". */
  abstract static class SizeMetric extends CustomSumMetric {
    @Override
    public String aggregateTaskMetrics(long[] values) {
      long sum = 0;
      for (long v : values) sum += v;
      return org.apache.spark.util.Utils.bytesToString(sum);
    }
  }

  public static final class BytesOs extends SizeMetric {
    public String name() {
      return BYTES_OS;
    }

    public String description() {
      return "homi bytes read, os path (pread)";
    }
  }

  public static final class BytesDirect extends SizeMetric {
    public String name() {
      return BYTES_DIRECT;
    }

    public String description() {
      return "homi bytes read, direct path (O_DIRECT on the file)";
    }
  }

  public static final class BytesDevice extends SizeMetric {
    public String name() {
      return BYTES_DEVICE;
    }

    public String description() {
      return "homi bytes read, device path (block device by LBA)";
    }
  }

  public static final class BytesPassthrough extends SizeMetric {
    public String name() {
      return BYTES_PASSTHROUGH;
    }

    public String description() {
      return "homi bytes read, NVMe passthrough path (NVMe Read commands by LBA)";
    }
  }

  public static final class BytesVf extends SizeMetric {
    public String name() {
      return BYTES_VF;
    }

    public String description() {
      return "homi bytes read, SR-IOV VF path (NVMe Read commands on a virtual function, VFIO)";
    }
  }

  public static final class BytesGpu extends SizeMetric {
    public String name() {
      return BYTES_GPU;
    }

    public String description() {
      return "homi bytes read, gpu path";
    }
  }

  public static final class Commands extends CustomSumMetric {
    public String name() {
      return COMMANDS;
    }

    public String description() {
      return "homi read commands served";
    }
  }

  public static final class Refused extends CustomSumMetric {
    public String name() {
      return REFUSED;
    }

    public String description() {
      return "homi read commands refused by the mediator";
    }
  }

  public static final class RowsDecoded extends CustomSumMetric {
    public String name() {
      return ROWS;
    }

    public String description() {
      return "homi rows decoded";
    }
  }

  public static final class RowGroupsRead extends CustomSumMetric {
    public String name() {
      return ROW_GROUPS_READ;
    }

    public String description() {
      return "homi row groups read";
    }
  }

  public static final class RowGroupsPruned extends CustomSumMetric {
    public String name() {
      return ROW_GROUPS_PRUNED;
    }

    public String description() {
      return "homi row groups pruned by statistics (min/max, page index)";
    }
  }

  public static final class RowGroupsPrunedByDictionary extends CustomSumMetric {
    public String name() {
      return ROW_GROUPS_DICT_PRUNED;
    }

    public String description() {
      return "homi row groups pruned by dictionary";
    }
  }

  public static final class PagesPruned extends CustomSumMetric {
    public String name() {
      return PAGES_PRUNED;
    }

    public String description() {
      return "homi pages pruned by the page index";
    }
  }

  public static final class DecodeTime extends CustomSumMetric {
    public String name() {
      return DECODE_MS;
    }

    public String description() {
      return "homi decode time (ms)";
    }
  }

  public static final class IoWaitTime extends CustomSumMetric {
    public String name() {
      return IO_WAIT_MS;
    }

    public String description() {
      return "homi I/O wait time (ms)";
    }
  }

  public static final class GpuRowGroups extends CustomSumMetric {
    public String name() {
      return GPU_ROW_GROUPS;
    }

    public String description() {
      return "homi row groups decoded on the GPU (homi.output=gpu)";
    }
  }

  public static final class GpuBytes extends SizeMetric {
    public String name() {
      return GPU_BYTES;
    }

    public String description() {
      return "homi bytes staged into GPU memory for GPU decode";
    }
  }

  public static final class GpuRefused extends CustomSumMetric {
    public String name() {
      return GPU_REFUSED;
    }

    public String description() {
      return "homi row groups the GPU decoder refused, decoded on the CPU";
    }
  }

  public static final class HostFallback extends CustomSumMetric {
    public String name() {
      return HOST_FALLBACK;
    }

    public String description() {
      return "homi row groups on host output: gpu-or-host without a usable GPU";
    }
  }

  public static final class GpuOutOfMemory extends CustomSumMetric {
    public String name() {
      return GPU_OOM;
    }

    public String description() {
      return "homi row groups decoded on the CPU after a GPU out-of-memory (gpu-or-host)";
    }
  }

  public static final class GpuPinned extends CustomSumMetric {
    public String name() {
      return GPU_PINNED;
    }

    public String description() {
      return "homi GPU row groups copied to pinned host memory right after decode";
    }
  }

  public static final class FooterFiles extends CustomSumMetric {
    public String name() {
      return FOOTER_FILES;
    }

    public String description() {
      return "homi files whose pushed aggregate the footer answered";
    }
  }

  public static final class ValueFiles extends CustomSumMetric {
    public String name() {
      return VALUE_FILES;
    }

    public String description() {
      return "homi files whose pushed aggregate needed column values (statistics missing or unusable)";
    }
  }

  /** One task's values, reported through PartitionReader.currentMetricsValues. */
  static final class Task {
    private PathStats.Snapshot closedFiles; // files this task has finished with
    private long rows;
    private long rowGroupsRead;
    private long rowGroupsPruned;
    private long rowGroupsPrunedByDictionary;
    private long pagesPruned;
    private long decodeNanos;
    private long ioNanos;
    private long gpuRowGroups;
    private long gpuBytes;
    private long gpuRefused;
    private long hostFallback;
    private long gpuOutOfMemory;
    private long gpuPinned;
    private long footerFiles;
    private long valueFiles;

    /** A file's pushed aggregate: answered by its footer alone, or by reading column values. */
    void footerAggregate(boolean fromFooterOnly) {
      if (fromFooterOnly) footerFiles++;
      else valueFiles++;
    }

    void addGpuRowGroup(long stagedBytes) {
      gpuRowGroups++;
      gpuBytes += stagedBytes;
    }

    void addGpuRefusedRowGroups(long n) {
      gpuRefused += n;
    }

    void addHostFallbackRowGroups(long n) {
      hostFallback += n;
    }

    void addGpuOutOfMemoryRowGroups(long n) {
      gpuOutOfMemory += n;
    }

    void addGpuPinnedRowGroups(long n) {
      gpuPinned += n;
    }

    void fileDone(PathStats.Snapshot s) {
      closedFiles = closedFiles == null ? s : closedFiles.plus(s);
    }

    void addRows(long r) {
      rows += r;
    }

    void addRowGroups(long read, long pruned) {
      rowGroupsRead += read;
      rowGroupsPruned += pruned;
    }

    /** A row group counted as read whose dictionary proved that no row matches. */
    void rowGroupPrunedByDictionary() {
      rowGroupsRead--;
      rowGroupsPrunedByDictionary++;
    }

    /** A row group counted as read in which the page index left no page that may match. */
    void rowGroupPrunedByPageIndex() {
      rowGroupsRead--;
      rowGroupsPruned++;
    }

    /** Data pages of projected columns left unread. */
    void addPagesPruned(long n) {
      pagesPruned += n;
    }

    void addDecodeNanos(long n) {
      decodeNanos += n;
    }

    void addIoNanos(long n) {
      ioNanos += n;
    }

    /** One line for the log: rows, row groups, and the bytes each path served for this task. */
    String summary() {
      StringBuilder b =
          new StringBuilder()
              .append(rows)
              .append(" rows, ")
              .append(rowGroupsRead)
              .append(" row groups read (")
              .append(rowGroupsPruned)
              .append(" pruned by statistics, ")
              .append(rowGroupsPrunedByDictionary)
              .append(" by dictionary), ")
              .append(pagesPruned)
              .append(" pages pruned, bytes by path:");
      for (PathKind k : PathKind.values()) {
        long n = closedFiles == null ? 0 : closedFiles.bytes(k);
        if (n > 0) b.append(' ').append(k.label()).append('=').append(n);
      }
      if (closedFiles == null || closedFiles.totalBytes() == 0) b.append(" none");
      if (gpuRowGroups + gpuRefused > 0) {
        b.append(", ")
            .append(gpuRowGroups)
            .append(" row group(s) decoded on the GPU (")
            .append(gpuBytes)
            .append(" bytes staged, ")
            .append(gpuPinned)
            .append(" copied to pinned host memory), ")
            .append(gpuRefused)
            .append(" refused by the GPU decoder (CPU)");
      }
      if (hostFallback > 0)
        b.append(", ").append(hostFallback).append(" row group(s) on host output (no usable GPU)");
      if (gpuOutOfMemory > 0)
        b.append(", ")
            .append(gpuOutOfMemory)
            .append(" row group(s) on the CPU after a GPU out-of-memory");
      return b.append(", io wait ")
          .append(ioNanos / 1_000_000)
          .append(" ms, decode ")
          .append(decodeNanos / 1_000_000)
          .append(" ms")
          .toString();
    }

    /**
     * @param open the statistics of the file being read now, or null
     */
    CustomTaskMetric[] values(PathStats.Snapshot open) {
      PathStats.Snapshot s =
          closedFiles == null ? open : open == null ? closedFiles : closedFiles.plus(open);
      List<CustomTaskMetric> out = new ArrayList<>();
      for (PathKind k : PathKind.values()) out.add(value(bytesName(k), s == null ? 0 : s.bytes(k)));
      out.add(value(COMMANDS, s == null ? 0 : s.totalCommands()));
      out.add(value(REFUSED, s == null ? 0 : s.refused()));
      out.add(value(ROWS, rows));
      out.add(value(ROW_GROUPS_READ, rowGroupsRead));
      out.add(value(ROW_GROUPS_PRUNED, rowGroupsPruned));
      out.add(value(ROW_GROUPS_DICT_PRUNED, rowGroupsPrunedByDictionary));
      out.add(value(PAGES_PRUNED, pagesPruned));
      out.add(value(DECODE_MS, decodeNanos / 1_000_000));
      out.add(value(IO_WAIT_MS, ioNanos / 1_000_000));
      out.add(value(GPU_ROW_GROUPS, gpuRowGroups));
      out.add(value(GPU_BYTES, gpuBytes));
      out.add(value(GPU_REFUSED, gpuRefused));
      out.add(value(HOST_FALLBACK, hostFallback));
      out.add(value(GPU_OOM, gpuOutOfMemory));
      out.add(value(GPU_PINNED, gpuPinned));
      out.add(value(FOOTER_FILES, footerFiles));
      out.add(value(VALUE_FILES, valueFiles));
      return out.toArray(new CustomTaskMetric[0]);
    }

    private static CustomTaskMetric value(String name, long v) {
      return new CustomTaskMetric() {
        @Override
        public String name() {
          return name;
        }

        @Override
        public long value() {
          return v;
        }
      };
    }
  }
}
