package io.homi.runtime.parquet;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.apache.parquet.format.PageHeader;

/**
 * The one page walker: steps over the pages of a column chunk held in memory, decoding each page
 * header (the only place a page header's Thrift is decoded) and checking that the page fits the
 * bytes left, with the same messages for the CPU decoder, the GPU page table and the dictionary
 * reader. What a page means (dictionary, data v1/v2, index) is the caller's.
 */
public final class PageWalker {
  /** One page: its header and where its body lies in the chunk buffer. */
  public record Page(
      PageHeader header, int headerOffset, int bodyOffset, int size, long fileOffset) {}

  private final ByteBuffer chunk;
  private final long chunkFileOffset;
  private final String context;
  private int pos;

  /**
   * @param chunk the chunk's bytes from its position to its limit; byte {@code position} is file
   *     offset {@code chunkFileOffset}
   * @param context the file (and column) named in messages
   */
  public PageWalker(ByteBuffer chunk, long chunkFileOffset, String context) {
    this.chunk = chunk.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    this.chunkFileOffset = chunkFileOffset - chunk.position();
    this.context = context;
    this.pos = chunk.position();
  }

  /**
   * A data page's value count against what its chunk has left: a flat column has one value per row,
   * a nested leaf one level entry per value, so a page may not claim more than remain. The one rule
   * for the CPU decoder and the GPU page table (a page that claimed more was read by the GPU as the
   * rows left and refused by the CPU: GpuFuzzTest).
   */
  public static int checkPageValues(String context, int n, long left, long total)
      throws CorruptParquetException {
    if (n < 0 || n > left) {
      throw new CorruptParquetException(
          context,
          "data page with "
              + n
              + " values where "
              + left
              + " of the row group's "
              + total
              + " remain");
    }
    return n;
  }

  public boolean hasNext() {
    return pos < chunk.limit();
  }

  /** File offset of the next page header. */
  public long fileOffset() {
    return chunkFileOffset + pos;
  }

  /** The next page; the walker then stands after its body. */
  public Page next() throws CorruptParquetException {
    int headerStart = pos;
    long at = chunkFileOffset + headerStart;
    if (headerStart >= chunk.limit())
      throw new CorruptParquetException(context, "no page header at file offset " + at);
    ByteBufferInputStream in = new ByteBufferInputStream(chunk.duplicate().position(headerStart));
    PageHeader h;
    try {
      h = ThriftCodec.pageHeader(in, chunk.limit() - headerStart);
    } catch (IOException | RuntimeException e) {
      throw new CorruptParquetException(
          context,
          "page header at file offset " + at + " cannot be decoded (" + e.getMessage() + ")",
          e);
    }
    int bodyStart = in.position();
    int size = h.getCompressed_page_size();
    if (size < 0 || size > chunk.limit() - bodyStart) {
      throw new CorruptParquetException(
          context,
          "page at file offset "
              + at
              + " declares "
              + size
              + " compressed bytes but the chunk has "
              + (chunk.limit() - bodyStart)
              + " left");
    }
    if (h.getUncompressed_page_size() < 0) {
      throw new CorruptParquetException(
          context,
          "uncompressed page size " + h.getUncompressed_page_size() + " at file offset " + at);
    }
    pos = bodyStart + size;
    return new Page(h, headerStart, bodyStart, size, at);
  }

  /** The page's stored body (little-endian), a view of the chunk buffer. */
  public ByteBuffer body(Page p) {
    return chunk.slice(p.bodyOffset(), p.size()).order(ByteOrder.LITTLE_ENDIAN);
  }
}
