package io.homi.runtime.io;

import io.homi.runtime.mediator.BufferRegistry;
import io.homi.runtime.mediator.Namespace;
import io.homi.runtime.os.HostBuffer;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Bytes of several ranges of one file, fetched together: ranges are sorted, runs closer than the
 * coalescing gap merge into one read, each run is widened to 4 KiB blocks, and all runs land in one
 * registered buffer. {@link #view} hands back the bytes of each requested range. The client splits
 * each run into commands of at most its {@code homi.maxCommandBytes}, all pipelined on its queue.
 */
public final class RangeFetch implements AutoCloseable {
  /**
   * Fetches at least this large get transparent huge pages (see {@link HostBuffer#HostBuffer(long,
   * boolean)}).
   */
  static final long HUGE_PAGES_FROM = 8L << 20;

  private final HostBuffer buffer;
  private final BufferRegistry registry;
  private final long[] runFileStart;
  private final long[] runBufStart;
  private final long[] runLength;

  private RangeFetch(HostBuffer buffer, BufferRegistry registry, long[] fs, long[] bs, long[] len) {
    this.buffer = buffer;
    this.registry = registry;
    this.runFileStart = fs;
    this.runBufStart = bs;
    this.runLength = len;
  }

  /** Plans runs for {@code ranges}, reads them through {@code client}, and returns the result. */
  public static RangeFetch read(
      QueueClient client,
      BufferRegistry registry,
      Namespace ns,
      List<ByteRange> ranges,
      long coalesceGap)
      throws HomiIoException {
    List<long[]> runs = plan(ranges, coalesceGap, ns.sizeBytes());
    long total = 0;
    for (long[] r : runs) total += r[1];
    // Large fetches in 2 MiB pages: an O_DIRECT command into them is a few DMA segments, not one
    // per 4 KiB page, so the device is not handed the command split at its segment limit.
    HostBuffer buf = new HostBuffer(Math.max(total, Namespace.LBA_SIZE), total >= HUGE_PAGES_FROM);
    long[] fs = new long[runs.size()];
    long[] bs = new long[runs.size()];
    long[] len = new long[runs.size()];
    registry.register(buf.address(), buf.capacity());
    RangeFetch fetch = new RangeFetch(buf, registry, fs, bs, len);
    try {
      long at = 0;
      long[] dests = new long[runs.size()];
      for (int i = 0; i < runs.size(); i++) {
        fs[i] = runs.get(i)[0];
        len[i] = runs.get(i)[1];
        bs[i] = at;
        dests[i] = buf.address() + at;
        at += len[i];
      }
      // All runs in one pipelined batch: many small column chunks keep the queue full.
      client.read(ns, fs, len, dests);
      return fetch;
    } catch (HomiIoException | RuntimeException e) {
      fetch.close();
      throw e;
    }
  }

  /**
   * The one coalescing planner (reads through the mediator and GPU staging alike): sorted, merged
   * when closer than {@code gap} ({@code homi.coalesceGap}), block-aligned runs as {start, length};
   * never past the file's last block.
   */
  public static List<long[]> plan(List<ByteRange> ranges, long gap, long fileSize) {
    List<ByteRange> sorted = new ArrayList<>(ranges);
    sorted.sort(Comparator.comparingLong(ByteRange::offset));
    List<long[]> runs = new ArrayList<>();
    long mask = Namespace.LBA_SIZE - 1;
    long fileEndAligned = (fileSize + mask) & ~mask;
    for (ByteRange r : sorted) {
      if (r.length() == 0) continue;
      long s = r.offset() & ~mask;
      long e = Math.min((r.end() + mask) & ~mask, fileEndAligned);
      if (e <= s) {
        throw new IllegalArgumentException(
            "range "
                + r.offset()
                + "+"
                + r.length()
                + " lies past the end of the file ("
                + fileSize
                + " bytes)");
      }
      if (!runs.isEmpty()) {
        long[] last = runs.get(runs.size() - 1);
        if (s <= last[0] + last[1] + gap) {
          last[1] = Math.max(last[0] + last[1], e) - last[0];
          continue;
        }
      }
      runs.add(new long[] {s, e - s});
    }
    return runs;
  }

  /** The bytes of [offset, offset+length), which must lie inside one requested range. */
  public ByteBuffer view(long offset, int length) {
    for (int i = 0; i < runFileStart.length; i++) {
      if (offset >= runFileStart[i] && offset + length <= runFileStart[i] + runLength[i]) {
        return buffer.view(runBufStart[i] + offset - runFileStart[i], length);
      }
    }
    throw new IllegalArgumentException("range " + offset + "+" + length + " was not fetched");
  }

  public long bytesRead() {
    long t = 0;
    for (long l : runLength) t += l;
    return t;
  }

  @Override
  public void close() {
    registry.unregister(buffer.address());
    buffer.close();
  }
}
