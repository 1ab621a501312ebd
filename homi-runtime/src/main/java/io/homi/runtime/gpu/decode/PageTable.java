package io.homi.runtime.gpu.decode;

import io.homi.runtime.parquet.ColumnDescriptor;
import io.homi.runtime.parquet.CorruptParquetException;
import io.homi.runtime.parquet.HomiParquetException;
import io.homi.runtime.parquet.PageWalker;
import io.homi.runtime.parquet.UnsupportedParquetException;
import io.homi.runtime.parquet.ValueKind;
import io.homi.runtime.parquet.codec.Codecs;
import io.homi.runtime.parquet.codec.PageCodec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.apache.parquet.format.CompressionCodec;
import org.apache.parquet.format.DataPageHeader;
import org.apache.parquet.format.DataPageHeaderV2;
import org.apache.parquet.format.Encoding;
import org.apache.parquet.format.PageHeader;
import org.apache.parquet.format.Type;

/**
 * The host half of GPU decoding: walks the page headers of column chunks (Thrift, as the CPU
 * decoder does) and records, per page, where its bytes are and how they decode. Checks what the GPU
 * cannot report well (sizes against the chunk, encodings, value counts) and refuses what the
 * kernels do not decode, naming file, column and file offset.
 *
 * <p>SNAPPY pages, and ZSTD pages when {@code gpuZstd} is set ({@code homi.gpuZstd}), are
 * decompressed by the GPU into an arena laid out here; other codecs (GZIP, LZ4_RAW, Hadoop LZ4,
 * ZSTD without {@code gpuZstd}, with the CPU decoder's {@link Codecs}), or every codec when {@code
 * hostDecompress} is set, are decompressed on the host and uploaded.
 */
public final class PageTable {
  private static final int ALIGN = 16;
  private final String file;
  private final boolean hostDecompress;
  private final boolean gpuZstd;
  private final List<PageEntry> entries = new ArrayList<>();
  private final List<HostPage> hostPages = new ArrayList<>();
  private long inflatedSize;
  private ByteBuffer inflated;
  private int columnFirst;
  private long arenaBytes;
  private long dictEntries;
  private int gpuSnappyPages;
  private int gpuZstdPages;
  private int hostInflatedPages;
  private int deltaPages;
  private final java.util.Map<CompressionCodec, Integer> hostInflatedByCodec =
      new java.util.EnumMap<>(CompressionCodec.class);
  private long hostInflatedBytes;

  /**
   * @param hostDecompress every compressed page decompressed on the host (SNAPPY and ZSTD too)
   * @param gpuZstd ZSTD pages decompressed by the GPU (homi_dec_zstd) rather than by zstd-jni
   */
  public PageTable(String file, boolean hostDecompress, boolean gpuZstd) {
    this.file = file;
    this.hostDecompress = hostDecompress;
    this.gpuZstd = gpuZstd;
  }

  /**
   * Starts a column: the per-column kernels see the column's pages as their own table, so a data
   * page's dictionary index (aux) counts from here.
   */
  public void startColumn() {
    columnFirst = entries.size();
  }

  /**
   * Adds the pages of one column chunk (after {@link #startColumn}). {@code chunk} holds exactly
   * the chunk's bytes (position 0 = file offset {@code fileOffset}) and will be uploaded at offset
   * {@code uploadOffset}; its {@code rows} rows land at {@code rowStart} of the global row space.
   */
  /**
   * The value kinds the kernels decode (conversions in {@link FixedConversion};
   * FIXED_LEN_BYTE_ARRAY decimals of at most 16 bytes; INT96 timestamps); unannotated
   * FIXED_LEN_BYTE_ARRAY and BYTE_ARRAY decimals stay on the CPU.
   */
  static final java.util.Set<ValueKind> GPU_KINDS =
      java.util.EnumSet.of(
          ValueKind.BOOLEAN,
          ValueKind.INT8,
          ValueKind.INT16,
          ValueKind.INT32,
          ValueKind.INT64,
          ValueKind.FLOAT,
          ValueKind.DOUBLE,
          ValueKind.DATE,
          ValueKind.STRING,
          ValueKind.BINARY,
          ValueKind.DECIMAL_INT32,
          ValueKind.DECIMAL_INT64,
          ValueKind.TIMESTAMP_MILLIS,
          ValueKind.TIMESTAMP_MICROS,
          ValueKind.UINT8,
          ValueKind.UINT16,
          ValueKind.UINT32,
          ValueKind.UINT64,
          ValueKind.FIXED_DECIMAL,
          ValueKind.INT96);

  /**
   * Whether pages of this codec can be decoded: UNCOMPRESSED in place, SNAPPY by the GPU, and every
   * codec the CPU decoder has ({@link Codecs}: GZIP, ZSTD, LZ4_RAW, Hadoop LZ4) decompressed on the
   * host first.
   */
  public static boolean supportsCodec(CompressionCodec codec) {
    return codec == CompressionCodec.UNCOMPRESSED
        || codec == CompressionCodec.SNAPPY
        || Codecs.forCodec(codec) != null;
  }

  public void addChunk(
      ColumnDescriptor col,
      ByteBuffer chunk,
      long fileOffset,
      long uploadOffset,
      CompressionCodec codec,
      long rowStart,
      long rows,
      int chunkIndex)
      throws HomiParquetException {
    String ctx = file + " (column '" + col.name() + "')";
    if (!supportsCodec(codec)) {
      throw new UnsupportedParquetException(
          "compression codec " + codec + " on the GPU path (column '" + col.name() + "')", file);
    }
    if (col.maxDefinitionLevel() > 1)
      throw new UnsupportedParquetException(
          "definition level above 1 (column '" + col.name() + "')", file);
    if (!GPU_KINDS.contains(col.kind())) {
      throw new UnsupportedParquetException(
          "column '"
              + col.name()
              + "' ("
              + col.kind()
              + ") on the GPU path: the kernels decode "
              + GPU_KINDS,
          file);
    }
    if (col.kind() == ValueKind.FIXED_DECIMAL && (col.typeLength() < 1 || col.typeLength() > 16)) {
      throw new UnsupportedParquetException(
          "column '"
              + col.name()
              + "': FIXED_LEN_BYTE_ARRAY("
              + col.typeLength()
              + ") decimal on the GPU path (at most 16 bytes)",
          file);
    }
    ByteBuffer b = chunk.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    PageWalker pages = new PageWalker(b, fileOffset, ctx);
    long left = rows;
    int dictIndex = -1;
    while (left > 0) {
      if (!pages.hasNext()) {
        throw new CorruptParquetException(
            ctx,
            "column chunk ends at file offset "
                + pages.fileOffset()
                + " after "
                + (rows - left)
                + " of "
                + rows
                + " values");
      }
      PageWalker.Page page = pages.next();
      PageHeader h = page.header();
      int body = page.bodyOffset();
      int size = page.size();
      int uncompressed = h.getUncompressed_page_size();
      PageEntry e = new PageEntry();
      e.srcOff = uploadOffset + body;
      e.compLen = size;
      e.dataLen = uncompressed;
      e.chunk = chunkIndex;
      e.rowStart = rowStart + (rows - left);
      e.fileOffset = page.fileOffset();
      boolean add = true;
      switch (h.getType()) {
        case DICTIONARY_PAGE -> {
          if (dictIndex >= 0)
            throw new CorruptParquetException(ctx, "second dictionary page in one column chunk");
          if (!h.isSetDictionary_page_header())
            throw new CorruptParquetException(ctx, "dictionary page without its header");
          Encoding enc = h.getDictionary_page_header().getEncoding();
          if (enc != Encoding.PLAIN && enc != Encoding.PLAIN_DICTIONARY) {
            throw new UnsupportedParquetException(
                "dictionary page encoding " + enc + " in column '" + col.name() + "'", file);
          }
          int n = h.getDictionary_page_header().getNum_values();
          if (n < 0)
            throw new CorruptParquetException(ctx, "dictionary page with " + n + " values");
          e.flags = PageEntry.DICT;
          e.numValues = n;
          e.encoding = Encoding.PLAIN.getValue();
          e.valLen = uncompressed;
          if (col.kind().isByteArray()) {
            e.aux = (int) dictEntries;
            dictEntries += n;
          } else {
            long need =
                col.kind() == ValueKind.BOOLEAN
                    ? (n + 7L) / 8
                    : (long) n * FixedConversion.storedWidth(col);
            if (need > uncompressed) {
              throw new CorruptParquetException(
                  ctx,
                  "dictionary of "
                      + n
                      + " values needs "
                      + need
                      + " bytes, page has "
                      + uncompressed);
            }
          }
          e.rowStart = 0;
          placeBytes(e, b, body, size, 0, codec, true, ctx);
          dictIndex = entries.size();
        }
        case DATA_PAGE -> {
          if (!h.isSetData_page_header())
            throw new CorruptParquetException(ctx, "data page without its header");
          DataPageHeader d = h.getData_page_header();
          e.numValues = PageWalker.checkPageValues(ctx, d.getNum_values(), left, rows);
          e.encoding = encoding(d.getEncoding(), col, ctx);
          if (col.maxDefinitionLevel() > 0) {
            if (d.getDefinition_level_encoding() != Encoding.RLE) {
              throw new UnsupportedParquetException(
                  "definition level encoding "
                      + d.getDefinition_level_encoding()
                      + " in column '"
                      + col.name()
                      + "'",
                  file);
            }
            e.flags |=
                PageEntry
                    .DEF; // the GPU reads the 4-byte level length once the body is uncompressed
          } else {
            e.valLen = uncompressed;
          }
          placeBytes(e, b, body, size, 0, codec, true, ctx);
        }
        case DATA_PAGE_V2 -> {
          if (!h.isSetData_page_header_v2())
            throw new CorruptParquetException(ctx, "v2 data page without its header");
          DataPageHeaderV2 d = h.getData_page_header_v2();
          e.numValues = PageWalker.checkPageValues(ctx, d.getNum_values(), left, rows);
          e.encoding = encoding(d.getEncoding(), col, ctx);
          int rl = d.getRepetition_levels_byte_length();
          int dl = d.getDefinition_levels_byte_length();
          if (rl < 0 || dl < 0 || (long) rl + dl > size || (long) rl + dl > uncompressed) {
            throw new CorruptParquetException(
                ctx, "v2 page level lengths " + rl + "+" + dl + " exceed its " + size + " bytes");
          }
          e.flags = PageEntry.V2 | (col.maxDefinitionLevel() > 0 ? PageEntry.DEF : 0);
          e.defOff = rl;
          e.defLen = dl;
          e.valOff = rl + dl;
          e.valLen = uncompressed - rl - dl;
          e.prefix = rl + dl;
          // An empty values section (all nulls) stores no compressed stream at all: nothing to
          // inflate,
          // as the CPU decoder reads it (parquet-testing datapage_v2_empty_datapage).
          boolean compressed = (!d.isSetIs_compressed() || d.isIs_compressed()) && size > rl + dl;
          placeBytes(
              e,
              b,
              body,
              size,
              rl + dl,
              compressed ? codec : CompressionCodec.UNCOMPRESSED,
              compressed,
              ctx);
        }
        default -> add = false; // index pages and unknown page types carry no values
      }
      if (!add) continue;
      if ((e.flags & PageEntry.DICT) == 0) {
        if (e.numValues == 0) continue;
        if (PageEntry.isDictEncoding(e.encoding)) {
          if (dictIndex < 0)
            throw new CorruptParquetException(
                ctx, "dictionary-encoded page without a dictionary page");
          e.aux = dictIndex - columnFirst;
        }
        left -= e.numValues;
      }
      entries.add(e);
    }
  }

  private int encoding(Encoding enc, ColumnDescriptor col, String ctx) throws HomiParquetException {
    return switch (enc) {
      case PLAIN, PLAIN_DICTIONARY, RLE_DICTIONARY -> enc.getValue();
      case DELTA_BINARY_PACKED -> {
        if (col.physicalType() != Type.INT32 && col.physicalType() != Type.INT64) {
          throw new CorruptParquetException(
              ctx, "DELTA_BINARY_PACKED cannot encode a " + col.physicalType() + " column");
        }
        deltaPages++;
        yield enc.getValue();
      }
      case DELTA_LENGTH_BYTE_ARRAY -> {
        if (!col.kind().isByteArray()) {
          throw new CorruptParquetException(
              ctx, "DELTA_LENGTH_BYTE_ARRAY cannot encode a " + col.physicalType() + " column");
        }
        deltaPages++; // its lengths are a DELTA_BINARY_PACKED stream
        yield enc.getValue();
      }
      case DELTA_BYTE_ARRAY -> {
        if (!col.kind().isByteArray()) {
          if (col.physicalType() == Type.FIXED_LEN_BYTE_ARRAY) {
            throw new UnsupportedParquetException(
                "DELTA_BYTE_ARRAY on FIXED_LEN_BYTE_ARRAY column '"
                    + col.name()
                    + "' on the GPU path",
                file);
          }
          throw new CorruptParquetException(
              ctx, "DELTA_BYTE_ARRAY cannot encode a " + col.physicalType() + " column");
        }
        deltaPages++; // its prefix and suffix lengths are DELTA_BINARY_PACKED streams
        yield enc.getValue();
      }
      case BYTE_STREAM_SPLIT -> {
        if (col.kind() == ValueKind.BOOLEAN
            || col.kind().isByteArray()
            || col.physicalType() == Type.INT96) {
          throw new CorruptParquetException(
              ctx, "BYTE_STREAM_SPLIT cannot encode a " + col.physicalType() + " column");
        }
        yield enc.getValue();
      }
      case RLE -> {
        if (col.kind() != ValueKind.BOOLEAN)
          throw new CorruptParquetException(ctx, "RLE value encoding on a non-boolean column");
        yield enc.getValue();
      }
      default ->
          throw new UnsupportedParquetException(
              "encoding " + enc + " in column '" + col.name() + "' on the GPU path", file);
    };
  }

  /**
   * Decides where the page's uncompressed bytes come from: in place, the GPU arena, or the host.
   */
  private void placeBytes(
      PageEntry e,
      ByteBuffer b,
      int body,
      int size,
      int prefix,
      CompressionCodec codec,
      boolean compressed,
      String ctx)
      throws HomiParquetException {
    if (codec == CompressionCodec.UNCOMPRESSED || !compressed) {
      if (size != e.dataLen) {
        throw new CorruptParquetException(
            ctx, "uncompressed page declares " + e.dataLen + " bytes but holds " + size);
      }
      e.where = PageEntry.Where.CHUNK;
      e.dataOff = e.srcOff;
      return;
    }
    if (codec == CompressionCodec.SNAPPY && !hostDecompress) {
      e.flags |= PageEntry.SNAPPY;
      e.where = PageEntry.Where.ARENA;
      e.dataOff = arenaBytes;
      arenaBytes += (e.dataLen + ALIGN - 1) / ALIGN * ALIGN;
      gpuSnappyPages++;
      return;
    }
    if (codec == CompressionCodec.ZSTD && gpuZstd && !hostDecompress) {
      e.flags |= PageEntry.ZSTD;
      e.where = PageEntry.Where.ARENA;
      e.dataOff = arenaBytes;
      arenaBytes += (e.dataLen + ALIGN - 1L) / ALIGN * ALIGN;
      gpuZstdPages++;
      return;
    }
    // another codec (or SNAPPY by request): laid out now, decompressed by inflate() in parallel
    e.flags |= PageEntry.HOST_INFLATED;
    e.where = PageEntry.Where.INFLATED;
    e.dataOff = inflatedSize;
    hostPages.add(new HostPage(b.slice(body, size), prefix, e.dataLen, inflatedSize, codec, ctx));
    inflatedSize += (e.dataLen + ALIGN - 1L) / ALIGN * ALIGN;
    if (inflatedSize > Integer.MAX_VALUE) {
      throw new UnsupportedParquetException(
          "more than 2 GiB of host-decompressed pages in one GPU decode", file);
    }
    hostInflatedPages++;
    hostInflatedBytes += e.dataLen;
    hostInflatedByCodec.merge(codec, 1, Integer::sum);
  }

  /**
   * A page the host decompresses: its stored body (v2 level bytes first, stored as is) and where it
   * goes.
   */
  private record HostPage(
      ByteBuffer body, int prefix, int dataLen, long dataOff, CompressionCodec codec, String ctx) {}

  /** Each thread's codecs (they keep scratch buffers between pages). */
  private static final ThreadLocal<java.util.Map<CompressionCodec, PageCodec>> CODECS =
      ThreadLocal.withInitial(() -> new java.util.EnumMap<>(CompressionCodec.class));

  /**
   * Decompresses every host-route page into {@code dst} (direct, ideally pinned: it is uploaded
   * from there; at least {@link #inflatedSize} bytes) with the CPU decoder's codecs, pages in
   * parallel on {@code pool} (null: this thread). Errors name file, column and codec.
   */
  public void inflate(ByteBuffer dst, java.util.concurrent.ExecutorService pool)
      throws HomiParquetException {
    if (dst.capacity() < inflatedSize)
      throw new IllegalArgumentException(dst.capacity() + " < " + inflatedSize + " bytes");
    inflated = dst;
    if (pool == null || hostPages.size() < 2) {
      for (HostPage h : hostPages) inflateOne(h, dst);
      return;
    }
    List<java.util.concurrent.Future<Object>> work = new ArrayList<>();
    for (HostPage h : hostPages) {
      work.add(
          pool.submit(
              () -> {
                inflateOne(h, dst);
                return null;
              }));
    }
    HomiParquetException first = null;
    for (java.util.concurrent.Future<Object> f : work) {
      try {
        f.get();
      } catch (java.util.concurrent.ExecutionException ex) {
        if (first == null) {
          first =
              ex.getCause() instanceof HomiParquetException hp
                  ? hp
                  : new CorruptParquetException(
                      file, "host decompression failed (" + ex.getCause() + ")", ex.getCause());
        }
      } catch (InterruptedException ex) {
        Thread.currentThread().interrupt();
        throw new CorruptParquetException(file, "interrupted while decompressing pages", ex);
      }
    }
    if (first != null) throw first;
  }

  private static void inflateOne(HostPage h, ByteBuffer dst) throws HomiParquetException {
    ByteBuffer out = dst.slice((int) h.dataOff(), h.dataLen()).order(ByteOrder.LITTLE_ENDIAN);
    out.put(0, h.body(), 0, h.prefix());
    int want = h.dataLen() - h.prefix();
    int n;
    try {
      PageCodec c = CODECS.get().computeIfAbsent(h.codec(), Codecs::forCodec);
      if (c == null) throw new IOException("no decompressor for " + h.codec());
      n =
          c.decompress(
              h.body().slice(h.prefix(), h.body().limit() - h.prefix()),
              out.slice(h.prefix(), want));
    } catch (IOException | RuntimeException ex) {
      throw new CorruptParquetException(
          h.ctx(), h.codec() + " page cannot be decompressed (" + ex.getMessage() + ")", ex);
    }
    if (n != want)
      throw new CorruptParquetException(
          h.ctx(), h.codec() + " page decompressed to " + n + " bytes, expected " + want);
  }

  public int size() {
    return entries.size();
  }

  PageEntry entry(int i) {
    return entries.get(i);
  }

  /** Device bytes the GPU decompresses into (SNAPPY and GPU ZSTD pages). */
  public long arenaBytes() {
    return arenaBytes;
  }

  /**
   * Bytes of the host-decompressed pages, laid out 16-byte aligned (what {@link #inflate} fills).
   */
  public long inflatedSize() {
    return inflatedSize;
  }

  /** The decompressed pages after {@link #inflate} (null before). */
  public ByteBuffer inflated() {
    return inflated;
  }

  /**
   * A copy of the host-decompressed pages, inflated here (on this thread) if {@link #inflate} has
   * not run.
   */
  public byte[] inflatedBytes() throws HomiParquetException {
    if (inflated == null) inflate(ByteBuffer.allocateDirect((int) inflatedSize), null);
    byte[] out = new byte[(int) inflatedSize];
    inflated.get(0, out);
    return out;
  }

  public long dictEntries() {
    return dictEntries;
  }

  public int gpuSnappyPages() {
    return gpuSnappyPages;
  }

  /** ZSTD pages the GPU decompresses (homi_dec_zstd). */
  public int gpuZstdPages() {
    return gpuZstdPages;
  }

  public int hostInflatedPages() {
    return hostInflatedPages;
  }

  /** DELTA_BINARY_PACKED data pages (the decoder allocates their value buffer only when > 0). */
  public int deltaPages() {
    return deltaPages;
  }

  /** Host-decompressed pages per codec (SNAPPY here only with hostDecompress). */
  public java.util.Map<CompressionCodec, Integer> hostInflatedByCodec() {
    return java.util.Collections.unmodifiableMap(hostInflatedByCodec);
  }

  public long hostInflatedBytes() {
    return hostInflatedBytes;
  }

  /** The table in the device layout, with every address resolved. */
  public ByteBuffer encode(long chunkBase, long arenaBase, long inflatedBase) {
    ByteBuffer out =
        ByteBuffer.allocateDirect(Math.max(1, entries.size()) * PageEntry.BYTES)
            .order(ByteOrder.LITTLE_ENDIAN);
    for (PageEntry e : entries) e.write(out, chunkBase, arenaBase, inflatedBase);
    out.flip();
    return out;
  }
}
