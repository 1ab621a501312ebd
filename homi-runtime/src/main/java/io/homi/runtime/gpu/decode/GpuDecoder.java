package io.homi.runtime.gpu.decode;

import io.homi.runtime.gpu.CudaDriver;
import io.homi.runtime.gpu.DeviceBuffer;
import io.homi.runtime.os.HostBuffer;
import io.homi.runtime.os.Libc;
import io.homi.runtime.parquet.ColumnDescriptor;
import io.homi.runtime.parquet.CorruptParquetException;
import io.homi.runtime.parquet.ValueKind;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs the decode kernels over a page table whose chunk bytes are already in device memory.
 *
 * <p>All columns share one global row space (column c's rows at rowBase[c]), so the stages that
 * work page by page run once for every column together: SNAPPY, v1 level layout, definition levels,
 * the valid-row scan and the hybrid (dictionary / RLE) values. Then each column's Arrow buffers are
 * written on its own stream so columns overlap.
 */
public final class GpuDecoder implements AutoCloseable {
  private static final int WARPS_PER_BLOCK = 4;
  private final DecodeKernels k;
  private final long[] streams;
  private final long mainStream;
  private final boolean zstdWarp;

  /**
   * Device scratch kept from one decode to the next (the page table, the per-row level / position /
   * id / delta / string-address arrays, ...): cuMemAlloc and cuMemFree of tens of MB per decode
   * were a fixed cost of every file, and cuMemFree waits for the device. Each decode synchronizes
   * all its streams before returning, so the next one may overwrite them. At most {@link
   * #RETAIN_BYTES} are kept (a shared reader lives beside RAPIDS on one GPU); a larger need is
   * allocated per decode as before. Freed by {@link #close}, not after an out-of-memory: what a
   * decode needs beyond the kept buffers then fails the same way on every try (homi.gpu.memoryLimit
   * tests rely on that), and the kept part is bounded.
   */
  private static final long RETAIN_BYTES = 256L << 20;

  private static final int ARENA = 0,
      INFLATED = 1,
      PAGES = 2,
      STATUS = 3,
      VALID = 4,
      POS = 5,
      IDS = 6,
      DVALS = 7,
      LENS = 8,
      SRCS = 9,
      ENTRY_SRC = 10,
      ENTRY_LEN = 11,
      ZSTD_WORK = 12,
      SLOTS = 13;

  /**
   * Bytes of one homi_dec_zstd worker's scratch (sizeof(homi_zstd::ZstdWork), checked by a
   * static_assert in decode_zstd.cuh).
   */
  static final int ZSTD_WORK_BYTES = 10760;

  /**
   * Most homi_dec_zstd threads (each decodes whole pages, taking the next one from a shared
   * counter): 2048 x 10.5 KiB = 21 MiB of scratch at most.
   */
  static final int ZSTD_MAX_WORKERS = 2048;

  private final DeviceBuffer[] scratch = new DeviceBuffer[SLOTS];
  private long retained;

  /**
   * Pinned host words the status and the per-column positions come back in, with one
   * synchronization.
   */
  private long readback;

  private long readbackBytes;

  /** One column of the input: its pages are table entries [firstPage, firstPage + pageCount). */
  public record Column(
      ColumnDescriptor descriptor, long rowBase, long rows, int firstPage, int pageCount) {}

  /**
   * @param zstd the kernel for ZSTD pages the page table gives the GPU (OFF: there are none)
   */
  public GpuDecoder(DecodeKernels kernels, int streams, GpuZstd zstd) {
    this.zstdWarp = zstd == GpuZstd.WARP;
    this.k = kernels;
    this.mainStream = CudaDriver.streamCreate();
    this.streams = new long[streams];
    for (int i = 0; i < streams; i++) this.streams[i] = CudaDriver.streamCreate();
  }

  public synchronized DeviceBatch decode(
      String file, PageTable table, List<Column> cols, long chunkDev, long storedBytes) {
    long t0 = System.nanoTime();
    long totalRows = cols.stream().mapToLong(Column::rows).sum();
    if (totalRows > Integer.MAX_VALUE)
      throw new IllegalArgumentException(totalRows + " rows in one decode; at most 2^31-1");
    int n = (int) totalRows;
    int pages = table.size();
    List<DeviceBuffer> temps = new ArrayList<>();
    List<DeviceColumn> out = new ArrayList<>();
    long s = mainStream;
    try {
      DeviceBuffer arena =
          table.arenaBytes() > 0 ? scratch(temps, ARENA, table.arenaBytes()) : null;
      // host-decompressed pages: uploaded from where PageTable.inflate put them (pinned when from
      // GpuParquetReader)
      DeviceBuffer inflatedDev =
          table.inflatedSize() > 0 ? scratch(temps, INFLATED, table.inflatedSize()) : null;
      if (inflatedDev != null) {
        ByteBuffer host = table.inflated();
        if (host == null)
          throw new IllegalStateException("PageTable.inflate was not called before decode");
        // queued on the main stream ahead of the kernels that read it; the host buffer is not
        // touched
        // again before this decode synchronizes
        CudaDriver.copyHtoDAsync(
            inflatedDev.address(), Libc.address(host), table.inflatedSize(), s);
      }
      ByteBuffer encoded =
          table.encode(
              chunkDev,
              arena == null ? 0 : arena.address(),
              inflatedDev == null ? 0 : inflatedDev.address());
      DeviceBuffer pageDev = scratch(temps, PAGES, encoded.capacity());
      upload(pageDev.address(), encoded);
      long pt = pageDev.address();
      // status slot 0: the stages over all pages (global page index); slot 1 + i: column i's stages
      DeviceBuffer status = scratch(temps, STATUS, 16L * (cols.size() + 1));
      CudaDriver.memsetD8Async(status.address(), (byte) 0, 16L * (cols.size() + 1), s);
      long st = status.address();
      DeviceBuffer valid = scratch(temps, VALID, Math.max(1, n));
      DeviceBuffer pos = scratch(temps, POS, (n + 1L) * 4);
      DeviceBuffer ids = scratch(temps, IDS, Math.max(4, n * 4L));
      int warpGrid = Math.max(1, (pages + WARPS_PER_BLOCK - 1) / WARPS_PER_BLOCK);
      k.launch("homi_dec_snappy", warpGrid, 32 * WARPS_PER_BLOCK, s, pt, pages, st);
      if (table.gpuZstdPages() > 0) {
        // a thread (or a warp) per page at a time; the page counter (zeroed here) sits after the
        // scratch
        int workers = Math.min(table.gpuZstdPages(), ZSTD_MAX_WORKERS);
        long work = (long) workers * ZSTD_WORK_BYTES;
        DeviceBuffer zw = scratch(temps, ZSTD_WORK, work + 16);
        CudaDriver.memsetD8Async(zw.address() + work, (byte) 0, 16, s);
        int lanes = zstdWarp ? 32 : 1;
        k.launch(
            zstdWarp ? "homi_dec_zstd_warp" : "homi_dec_zstd",
            (workers * lanes + 63) / 64,
            64,
            s,
            pt,
            pages,
            zw.address(),
            workers,
            zw.address() + work,
            st);
      }
      k.launch("homi_dec_v1_layout", (pages + 127) / 128, 128, s, pt, pages, st);
      k.launch(
          "homi_dec_levels", warpGrid, 32 * WARPS_PER_BLOCK, s, pt, pages, valid.address(), st);
      scan(temps, "u8", valid.address(), n, pos.address(), st, s);
      k.launch(
          "homi_dec_hybrid_values",
          warpGrid,
          32 * WARPS_PER_BLOCK,
          s,
          pt,
          pages,
          pos.address(),
          ids.address(),
          st);
      // DELTA_BINARY_PACKED pages: 8 bytes per stored value, only when the table has such pages
      DeviceBuffer dvals =
          table.deltaPages() > 0 ? scratch(temps, DVALS, Math.max(8, n * 8L)) : null;
      if (dvals != null) {
        k.launch(
            "homi_dec_delta",
            warpGrid,
            32 * WARPS_PER_BLOCK,
            s,
            pt,
            pages,
            pos.address(),
            dvals.address(),
            st);
      }

      // string columns share per-row lengths and per-value source addresses
      boolean strings = cols.stream().anyMatch(c -> c.descriptor().kind().isByteArray());
      DeviceBuffer lens = strings ? scratch(temps, LENS, Math.max(4, n * 4L)) : null;
      DeviceBuffer srcs = strings ? scratch(temps, SRCS, Math.max(8, n * 8L)) : null;
      DeviceBuffer entrySrc =
          strings && table.dictEntries() > 0
              ? scratch(temps, ENTRY_SRC, table.dictEntries() * 8)
              : null;
      DeviceBuffer entryLen =
          strings && table.dictEntries() > 0
              ? scratch(temps, ENTRY_LEN, table.dictEntries() * 4)
              : null;
      // Zeroed per decode: these buffers are reused across decodes, and a kernel that stops at a
      // corrupt page leaves the page's later rows unwritten. A stale source address there was
      // copied from by homi_dec_ba_copy (an illegal address, found by GpuFuzzTest); zero length and
      // source address 0 are rows the copy leaves alone.
      if (lens != null) CudaDriver.memsetD8Async(lens.address(), (byte) 0, n * 4L, s);
      if (srcs != null) CudaDriver.memsetD8Async(srcs.address(), (byte) 0, n * 8L, s);
      if (entrySrc != null) {
        CudaDriver.memsetD8Async(entrySrc.address(), (byte) 0, table.dictEntries() * 8, s);
        CudaDriver.memsetD8Async(entryLen.address(), (byte) 0, table.dictEntries() * 4, s);
      }
      long shared = CudaDriver.eventCreate();
      CudaDriver.eventRecord(shared, s);
      for (int i = 0; i < cols.size(); i++) {
        long cs = streams[i % streams.length];
        CudaDriver.streamWaitEvent(cs, shared);
        out.add(
            decodeColumn(
                temps,
                cols.get(i),
                pt,
                valid.address(),
                pos.address(),
                ids.address(),
                dvals == null ? 0L : dvals.address(),
                lens,
                srcs,
                entrySrc,
                entryLen,
                st + 16L * (i + 1),
                cs));
      }
      for (long cs : streams) CudaDriver.streamSynchronize(cs);
      CudaDriver.eventDestroy(shared);
      // the status words and each column's first and end positions, queued on the main stream into
      // pinned memory and waited for once (they were 2 synchronous 4-byte copies per column)
      long statusBytes = 16L * (cols.size() + 1);
      long rb = readback(statusBytes + 8L * cols.size());
      CudaDriver.copyDtoHAsync(rb, st, statusBytes, s);
      for (int i = 0; i < cols.size(); i++) {
        Column c = cols.get(i);
        CudaDriver.copyDtoHAsync(rb + statusBytes + 8L * i, pos.address() + c.rowBase() * 4, 4, s);
        CudaDriver.copyDtoHAsync(
            rb + statusBytes + 8L * i + 4, pos.address() + (c.rowBase() + c.rows()) * 4, 4, s);
      }
      CudaDriver.streamSynchronize(s);
      // native order, as the kernels wrote the words
      ByteBuffer words = Libc.view(rb, (int) (statusBytes + 8L * cols.size()));
      checkStatus(file, table, cols, words);
      long[] posHost = new long[cols.size() * 2];
      for (int i = 0; i < cols.size() * 2; i++)
        posHost[i] = words.getInt((int) (statusBytes + 4L * i)) & 0xffffffffL;
      List<DeviceColumn> finished = new ArrayList<>();
      for (int i = 0; i < out.size(); i++) {
        DeviceColumn d = out.get(i);
        long nulls = cols.get(i).rows() - (posHost[2 * i + 1] - posHost[2 * i]);
        finished.add(
            new DeviceColumn(
                d.column(),
                d.rows(),
                nulls,
                d.validityBuffer(),
                d.valuesBuffer(),
                d.offsetsBuffer(),
                d.dataBytes()));
      }
      long event = CudaDriver.eventCreate();
      CudaDriver.eventRecord(event, s);
      long t1 = System.nanoTime();
      DecodeMetrics m =
          new DecodeMetrics(
              pages,
              table.gpuSnappyPages(),
              table.hostInflatedPages(),
              table.hostInflatedBytes(),
              storedBytes,
              finished.stream().mapToLong(DeviceColumn::arrowBytes).sum(),
              0,
              t1 - t0,
              table.hostInflatedByCodec(),
              table.deltaPages(),
              table.gpuZstdPages());
      out.clear();
      return new DeviceBatch(finished, cols.isEmpty() ? 0 : cols.get(0).rows(), event, m);
    } finally {
      for (long cs : streams) CudaDriver.streamSynchronize(cs);
      CudaDriver.streamSynchronize(s);
      temps.forEach(DeviceBuffer::close);
      out.forEach(DeviceColumn::close);
    }
  }

  private DeviceColumn decodeColumn(
      List<DeviceBuffer> temps,
      Column c,
      long pt,
      long valid,
      long pos,
      long ids,
      long dvals,
      DeviceBuffer lens,
      DeviceBuffer srcs,
      DeviceBuffer entrySrc,
      DeviceBuffer entryLen,
      long st,
      long cs) {
    ValueKind kind = c.descriptor().kind();
    long rows = c.rows();
    long base = c.rowBase();
    long pages = pt + (long) c.firstPage() * PageEntry.BYTES;
    int np = c.pageCount();
    DeviceBuffer validity = new DeviceBuffer(Math.max(1, (rows + 7) / 8));
    DeviceBuffer values = null;
    DeviceBuffer offsets = null;
    long dataBytes = 0;
    try {
      k.launch(
          "homi_dec_pack_bits",
          grid(rows / 8 + 1, 256),
          256,
          cs,
          valid + base,
          (int) rows,
          validity.address());
      if (!kind.isByteArray()) {
        values = new DeviceBuffer(Math.max(1, DeviceColumn.valueBytes(kind, rows)));
        int outW = FixedConversion.outWidth(kind);
        int inW = FixedConversion.storedWidth(c.descriptor());
        int conv = FixedConversion.conv(kind);
        if (kind == ValueKind.BOOLEAN) {
          DeviceBuffer bytes = tmp(temps, Math.max(1, rows));
          // the kernel indexes by global row: shift the base so row `base` lands at offset 0
          k.launch(
              "homi_dec_fixed",
              pageGrid(np),
              256,
              cs,
              pages,
              np,
              valid,
              pos,
              ids,
              dvals,
              bytes.address() - base,
              0,
              1,
              0,
              st);
          k.launch(
              "homi_dec_pack_bits",
              grid(rows / 8 + 1, 256),
              256,
              cs,
              bytes.address(),
              (int) rows,
              values.address());
        } else {
          k.launch(
              "homi_dec_fixed",
              pageGrid(np),
              256,
              cs,
              pages,
              np,
              valid,
              pos,
              ids,
              dvals,
              values.address() - base * outW,
              inW,
              outW,
              conv,
              st);
        }
      } else {
        offsets = new DeviceBuffer((rows + 1) * 4);
        if (entrySrc != null) {
          k.launch(
              "homi_dec_dict_strings",
              (np + 63) / 64,
              64,
              cs,
              pages,
              np,
              entrySrc.address(),
              entryLen.address(),
              st);
        }
        k.launch(
            "homi_dec_ba_plain",
            (np + 31) / 32,
            32,
            cs,
            pages,
            np,
            valid,
            pos,
            lens.address(),
            srcs.address(),
            st);
        if (dvals != 0) {
          k.launch(
              "homi_dec_ba_dlba",
              (np + WARPS_PER_BLOCK - 1) / WARPS_PER_BLOCK,
              32 * WARPS_PER_BLOCK,
              cs,
              pages,
              np,
              valid,
              pos,
              dvals,
              lens.address(),
              srcs.address(),
              st);
          k.launch(
              "homi_dec_ba_dba_lens",
              (np + WARPS_PER_BLOCK - 1) / WARPS_PER_BLOCK,
              32 * WARPS_PER_BLOCK,
              cs,
              pages,
              np,
              valid,
              pos,
              dvals,
              lens.address(),
              srcs.address(),
              st);
        }
        k.launch(
            "homi_dec_ba_dict",
            pageGrid(np),
            256,
            cs,
            pages,
            np,
            valid,
            pos,
            ids,
            entrySrc == null ? 0L : entrySrc.address(),
            entryLen == null ? 0L : entryLen.address(),
            lens.address(),
            srcs.address(),
            st);
        scan(temps, "u32", lens.address() + base * 4, (int) rows, offsets.address(), st, cs);
        CudaDriver.streamSynchronize(cs); // the data size is the last offset
        dataBytes = u32At(offsets.address(), rows);
        values = dataBytes > 0 ? new DeviceBuffer(dataBytes) : null;
        if (values != null) {
          k.launch(
              "homi_dec_ba_copy",
              grid(rows, 256),
              256,
              cs,
              (int) rows,
              valid + base,
              pos + base * 4,
              srcs.address(),
              offsets.address(),
              values.address(),
              st);
          if (dvals
              != 0) { // DELTA_BYTE_ARRAY values, in order per page (offsets indexed by global row)
            k.launch(
                "homi_dec_ba_dba_copy",
                (np + WARPS_PER_BLOCK - 1) / WARPS_PER_BLOCK,
                32 * WARPS_PER_BLOCK,
                cs,
                pages,
                np,
                valid,
                pos,
                dvals,
                offsets.address() - base * 4,
                values.address(),
                st);
          }
        }
      }
      return new DeviceColumn(c.descriptor(), rows, -1, validity, values, offsets, dataBytes);
    } catch (RuntimeException e) {
      validity.close();
      if (values != null) values.close();
      if (offsets != null) offsets.close();
      throw e;
    }
  }

  /** Exclusive scan of n items (u8 or u32) into n + 1 u32 (the last = the total). */
  private void scan(
      List<DeviceBuffer> temps, String type, long in, int n, long out, long st, long stream) {
    if (n == 0) {
      CudaDriver.memsetD8Async(out, (byte) 0, 4, stream);
      return;
    }
    int tile = 1024 * 8;
    int tiles = (n + tile - 1) / tile;
    DeviceBuffer sums = tmp(temps, tiles * 8L);
    k.launch("homi_dec_scan_sums_" + type, tiles, 1024, stream, in, n, sums.address());
    k.launch("homi_dec_scan_tiles", 1, 1024, stream, sums.address(), tiles);
    k.launch("homi_dec_scan_apply_" + type, tiles, 1024, stream, in, n, sums.address(), out, st);
  }

  private void checkStatus(String file, PageTable table, List<Column> cols, ByteBuffer words) {
    int[] s = new int[4 * (cols.size() + 1)];
    for (int i = 0; i < s.length; i++) s[i] = words.getInt(4 * i);
    for (int slot = 0; slot <= cols.size(); slot++) {
      int code = s[4 * slot];
      if (code == 0) continue;
      int page = s[4 * slot + 1];
      Column col = null;
      if (slot > 0) {
        col = cols.get(slot - 1);
        if (page >= 0) page += col.firstPage();
      } else {
        for (Column c : cols)
          if (page >= c.firstPage() && page < c.firstPage() + c.pageCount()) col = c;
      }
      String where =
          col == null
              ? ""
              : " (column '"
                  + col.descriptor().name()
                  + "'"
                  + (page >= 0 && page < table.size()
                      ? ", row group " + table.entry(page).chunk
                      : "")
                  + ")";
      int detail = s[4 * slot + 2];
      String what =
          switch (code) {
            case 1 -> "SNAPPY data corrupt at byte " + detail + " of page " + page;
            case 2 -> "definition levels corrupt at byte " + detail + " of page " + page;
            case 3 ->
                "dictionary indices / RLE values corrupt at byte " + detail + " of page " + page;
            case 4 -> "PLAIN values end early at value " + detail + " of page " + page;
            case 5 -> "dictionary index " + detail + " outside its dictionary in page " + page;
            case 6 -> "byte array length out of bounds at value " + detail + " of page " + page;
            case 8 -> "dictionary-encoded page without a dictionary page (page " + page + ")";
            case 9 -> "string column larger than Arrow's 2 GiB (32-bit offsets)";
            case 11 -> "DELTA_BINARY_PACKED header corrupt at byte " + detail + " of page " + page;
            case 12 -> "DELTA_BINARY_PACKED bit width " + detail + " (at most 64) in page " + page;
            case 13 ->
                "DELTA_BINARY_PACKED header holds "
                    + detail
                    + " values, fewer than the non-null rows of page "
                    + page;
            case 14 ->
                "DELTA_BINARY_PACKED miniblock past the end of page "
                    + page
                    + " (byte "
                    + detail
                    + ")";
            case 15 ->
                "timestamp milliseconds overflow microseconds at value "
                    + detail
                    + " of page "
                    + page;
            case 16 ->
                "BYTE_STREAM_SPLIT page of "
                    + detail
                    + " bytes does not hold its values (page "
                    + page
                    + ")";
            case 17 ->
                detail < 0
                    ? "DELTA_BYTE_ARRAY prefix or suffix length outside 0..2^31-1 in page " + page
                    : "DELTA_BYTE_ARRAY value "
                        + detail
                        + " longer than 2^31-1 bytes in page "
                        + page;
            case 18 ->
                "DELTA_BYTE_ARRAY prefix of value "
                    + detail
                    + " longer than the previous value in page "
                    + page;
            case 19 ->
                "ZSTD page"
                    + (page >= 0 && page < table.size()
                        ? " at file offset " + table.entry(page).fileOffset
                        : "")
                    + " cannot be decompressed: "
                    + ZstdReason.describe(detail & 31)
                    + " at byte "
                    + (detail >>> 5)
                    + " of the stored page (page "
                    + page
                    + ")";
            default -> "decode error " + code + " in page " + page;
          };
      throw new GpuDecodeException(
          new CorruptParquetException(file + where, "GPU decode: " + what));
    }
  }

  private static long u32At(long dev, long index) {
    try (HostBuffer m = new HostBuffer(4)) {
      CudaDriver.copyDtoH(m.address(), dev + index * 4, 4);
      return m.getInt(0) & 0xffffffffL;
    }
  }

  private static void upload(long dev, ByteBuffer b) {
    if (b.isDirect()) { // PageTable.encode's: copied from where it is, no staging copies
      if (b.remaining() > 0) {
        CudaDriver.copyHtoD(dev, Libc.address(b) + b.position(), b.remaining());
      }
      return;
    }
    try (HostBuffer m = new HostBuffer(Math.max(1, b.remaining()))) {
      byte[] tmp = new byte[b.remaining()];
      b.duplicate().get(tmp);
      m.view(0, tmp.length).put(tmp);
      if (tmp.length > 0) CudaDriver.copyHtoD(dev, m.address(), tmp.length);
    }
  }

  /** Blocks for a kernel that splits each page over `per` blocks: enough to fill a large GPU. */
  private static int pageGrid(int pages) {
    int per = Math.max(1, Math.min(64, (132 * 8 + pages - 1) / Math.max(1, pages)));
    return Math.max(1, pages) * per;
  }

  private static int grid(long items, int block) {
    return (int) Math.max(1, Math.min(65535L * 16, (items + block - 1) / block));
  }

  /**
   * Scratch slot {@code slot} with at least {@code bytes}: the kept buffer when large enough, else
   * a new one kept in its place (rounded up to 2 MiB so nearby sizes reuse it) while the kept total
   * stays within {@link #RETAIN_BYTES}, else a temporary freed at the end of the decode. Its bytes
   * are whatever the last decode left, as cuMemAlloc's are: every kernel writes before it reads.
   */
  private DeviceBuffer scratch(List<DeviceBuffer> temps, int slot, long bytes) {
    long need = Math.max(1, bytes);
    DeviceBuffer b = scratch[slot];
    if (b != null && b.capacity() >= need) return b;
    if (b != null) {
      scratch[slot] = null;
      retained -= b.capacity();
      b.close();
    }
    long cap = (need + (2L << 20) - 1) & -(2L << 20);
    if (retained + cap > RETAIN_BYTES) return tmp(temps, need);
    b = new DeviceBuffer(cap);
    scratch[slot] = b;
    retained += cap;
    return b;
  }

  private void dropScratch() {
    for (int i = 0; i < SLOTS; i++) {
      if (scratch[i] != null) scratch[i].close();
      scratch[i] = null;
    }
    retained = 0;
  }

  private long readback(long bytes) {
    if (readbackBytes < bytes) {
      if (readback != 0) CudaDriver.memFreeHost(readback);
      readback = 0;
      long cap = Math.max(4096, Long.highestOneBit(bytes - 1) << 1);
      readback = CudaDriver.memHostAlloc(cap, 0);
      readbackBytes = cap;
    }
    return readback;
  }

  private static DeviceBuffer tmp(List<DeviceBuffer> temps, long bytes) {
    DeviceBuffer b = new DeviceBuffer(Math.max(1, bytes));
    temps.add(b);
    return b;
  }

  @Override
  public synchronized void close() {
    for (long cs : streams) CudaDriver.streamDestroy(cs);
    CudaDriver.streamDestroy(mainStream);
    dropScratch();
    if (readback != 0) CudaDriver.memFreeHost(readback);
    readback = 0;
    readbackBytes = 0;
  }
}
