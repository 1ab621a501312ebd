package io.homi.runtime.parquet;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.apache.arrow.vector.FieldVector;
import org.apache.parquet.format.DataPageHeader;
import org.apache.parquet.format.DataPageHeaderV2;
import org.apache.parquet.format.Encoding;
import org.apache.parquet.format.PageHeader;
import org.apache.parquet.format.Util;

/**
 * Decodes one column chunk, already in memory, page by page into Arrow vectors: page headers
 * (Thrift), the dictionary page, data pages v1 and v2, definition levels, values. Reads exactly
 * the row group's row count and fails, naming column and file, if the pages hold fewer.
 */
final class ColumnChunkReader {
  private final ColumnDescriptor col;
  private final ByteBuffer chunk;
  private final long chunkFileOffset;
  private final PageDecompressor decompressor;
  private final String file;
  private final String context;
  private final int levelBitWidth;
  private Dictionary dictionary;
  private LevelDecoder defs;
  private PageValues values;
  private int pageValuesLeft;
  private long valuesRead;
  private final long totalValues;
  private int[] levels = new int[1024];

  ColumnChunkReader(ColumnDescriptor col, ByteBuffer chunk, long chunkFileOffset, long totalValues,
                    PageDecompressor decompressor, String file) {
    this.col = col;
    this.chunk = chunk.order(ByteOrder.LITTLE_ENDIAN);
    this.chunkFileOffset = chunkFileOffset;
    this.totalValues = totalValues;
    this.decompressor = decompressor;
    this.file = file;
    this.context = file + " (column '" + col.name() + "')";
    this.levelBitWidth = 32 - Integer.numberOfLeadingZeros(col.maxDefinitionLevel());
  }

  /** Decodes the next {@code n} rows into positions [dst, dst+n) of {@code v}. */
  void read(FieldVector v, int dst, int n) throws HomiParquetException {
    if (levels.length < n) levels = new int[n];
    int done = 0;
    while (done < n) {
      if (pageValuesLeft == 0) nextDataPage();
      int k = Math.min(n - done, pageValuesLeft);
      int at = dst + done;
      if (col.maxDefinitionLevel() == 0) {
        values.read(v, at, k);
        Validity.setRange(v, at, k);
      } else {
        defs.readInts(levels, 0, k);
        int i = 0;
        while (i < k) {
          int level = levels[i];
          if (level == col.maxDefinitionLevel()) {
            int j = i + 1;
            while (j < k && levels[j] == level) j++;
            values.read(v, at + i, j - i);
            Validity.setRange(v, at + i, j - i);
            i = j;
          } else if (level >= 0 && level < col.maxDefinitionLevel()) {
            i++; // null: the zeroed validity bit stays clear
          } else {
            throw new CorruptParquetException(context, "definition level " + level + " above the maximum "
                + col.maxDefinitionLevel());
          }
        }
      }
      pageValuesLeft -= k;
      done += k;
      valuesRead += k;
    }
  }

  private void nextDataPage() throws HomiParquetException {
    while (true) {
      int headerStart = chunk.position();
      if (!chunk.hasRemaining()) {
        throw new CorruptParquetException(context, "column chunk ends after " + valuesRead + " of " + totalValues
            + " values");
      }
      PageHeader h;
      ByteBufferInputStream in = new ByteBufferInputStream(chunk.duplicate());
      try {
        h = Util.readPageHeader(in);
      } catch (IOException | RuntimeException e) {
        throw new CorruptParquetException(context, "page header at file offset " + (chunkFileOffset + headerStart)
            + " cannot be decoded (" + e.getMessage() + ")", e);
      }
      int bodyStart = in.position();
      int size = h.getCompressed_page_size();
      if (size < 0 || size > chunk.limit() - bodyStart) {
        throw new CorruptParquetException(context, "page at file offset " + (chunkFileOffset + headerStart)
            + " declares " + size + " compressed bytes but the chunk has " + (chunk.limit() - bodyStart) + " left");
      }
      ByteBuffer body = chunk.slice(bodyStart, size).order(ByteOrder.LITTLE_ENDIAN);
      chunk.position(bodyStart + size);
      switch (h.getType()) {
        case DICTIONARY_PAGE -> readDictionary(h, body);
        case DATA_PAGE -> {
          if (startV1(h, body)) return;
        }
        case DATA_PAGE_V2 -> {
          if (startV2(h, body)) return;
        }
        default -> { } // index pages and unknown page types carry no values
      }
    }
  }

  private void readDictionary(PageHeader h, ByteBuffer body) throws HomiParquetException {
    if (dictionary != null) throw new CorruptParquetException(context, "second dictionary page in one column chunk");
    if (!h.isSetDictionary_page_header()) throw new CorruptParquetException(context, "dictionary page without its header");
    Encoding enc = h.getDictionary_page_header().getEncoding();
    if (enc != Encoding.PLAIN && enc != Encoding.PLAIN_DICTIONARY) {
      throw new UnsupportedParquetException("dictionary page encoding " + enc + " in column '" + col.name() + "'", file);
    }
    ByteBuffer page = decompressor.decompress(body, h.getUncompressed_page_size(), col.name());
    dictionary = Dictionary.decode(page, h.getDictionary_page_header().getNum_values(), col, context);
  }

  private boolean startV1(PageHeader h, ByteBuffer body) throws HomiParquetException {
    if (!h.isSetData_page_header()) throw new CorruptParquetException(context, "data page without its header");
    DataPageHeader d = h.getData_page_header();
    checkCount(d.getNum_values());
    ByteBuffer page = decompressor.decompress(body, h.getUncompressed_page_size(), col.name());
    int p = 0;
    if (col.maxDefinitionLevel() > 0) {
      Encoding le = d.getDefinition_level_encoding();
      if (le == Encoding.BIT_PACKED) {
        long len = BitPackedLevels.byteLength(d.getNum_values(), levelBitWidth);
        if (len > page.limit()) throw new CorruptParquetException(context, "BIT_PACKED definition levels of " + len
            + " bytes in a " + page.limit() + "-byte page");
        defs = new BitPackedLevels(page, 0, levelBitWidth, d.getNum_values(), context);
        p = (int) len;
      } else if (le == Encoding.RLE) {
        if (page.limit() < 4) throw new CorruptParquetException(context, "data page too short for its definition levels");
        int len = page.getInt(0);
        if (len < 0 || len > page.limit() - 4) throw new CorruptParquetException(context, "definition levels length " + len);
        defs = new RleBitPackedDecoder(page, 4, 4 + len, levelBitWidth, context);
        p = 4 + len;
      } else {
        throw new UnsupportedParquetException("definition level encoding " + le + " in column '" + col.name() + "'", file);
      }
    }
    values = valuesFor(d.getEncoding(), page.slice(p, page.limit() - p).order(ByteOrder.LITTLE_ENDIAN), d.getNum_values());
    pageValuesLeft = d.getNum_values();
    return pageValuesLeft > 0;
  }

  private boolean startV2(PageHeader h, ByteBuffer body) throws HomiParquetException {
    if (!h.isSetData_page_header_v2()) throw new CorruptParquetException(context, "v2 data page without its header");
    DataPageHeaderV2 d = h.getData_page_header_v2();
    checkCount(d.getNum_values());
    int rl = d.getRepetition_levels_byte_length();
    int dl = d.getDefinition_levels_byte_length();
    if (rl < 0 || dl < 0 || (long) rl + dl > body.limit()) {
      throw new CorruptParquetException(context, "v2 page level lengths " + rl + "+" + dl + " exceed its "
          + body.limit() + " bytes");
    }
    if (col.maxDefinitionLevel() > 0) defs = new RleBitPackedDecoder(body, rl, rl + dl, levelBitWidth, context);
    ByteBuffer raw = body.slice(rl + dl, body.limit() - rl - dl);
    int uncompressed = h.getUncompressed_page_size() - rl - dl;
    ByteBuffer data = (!d.isSetIs_compressed() || d.isIs_compressed())
        ? decompressor.decompress(raw, uncompressed, col.name())
        : raw.order(ByteOrder.LITTLE_ENDIAN);
    values = valuesFor(d.getEncoding(), data, d.getNum_values());
    pageValuesLeft = d.getNum_values();
    return pageValuesLeft > 0;
  }

  private void checkCount(int n) throws CorruptParquetException {
    // A flat column has one value per row: a page may not claim more than the chunk has left.
    if (n < 0 || n > totalValues - valuesRead) {
      throw new CorruptParquetException(context, "data page with " + n + " values where " + (totalValues - valuesRead)
          + " of the row group's " + totalValues + " remain");
    }
  }

  private PageValues valuesFor(Encoding e, ByteBuffer data, int pageValues) throws HomiParquetException {
    return ValueDecoders.forPage(col, e, data, dictionary, pageValues, context, file);
  }
}
