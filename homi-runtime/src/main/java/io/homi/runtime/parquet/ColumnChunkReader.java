package io.homi.runtime.parquet;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.apache.arrow.vector.FieldVector;
import org.apache.parquet.format.DataPageHeader;
import org.apache.parquet.format.DataPageHeaderV2;
import org.apache.parquet.format.Encoding;
import org.apache.parquet.format.PageHeader;

/**
 * Decodes one column chunk, already in memory, page by page into Arrow vectors: page headers
 * (Thrift), the dictionary page, data pages v1 and v2, definition levels, values. Reads exactly the
 * row group's row count and fails, naming column and file, if the pages hold fewer.
 */
final class ColumnChunkReader implements ColumnReader {
  private final ColumnDescriptor col;
  private final PageWalker pages;
  private final PageDecompressor decompressor;
  private final String file;
  private final String context;
  private final int levelBitWidth;
  private final int repBitWidth;

  /** homi.verifyChecksums: check each page's CRC32 (when its header has one) before decoding it. */
  private final boolean verifyChecksums;

  private Dictionary dictionary;
  private LevelDecoder defs;
  private LevelDecoder reps;
  private PageValues values;
  private int pageValuesLeft;
  private long valuesRead;
  private final long totalValues;
  private int[] levels = new int[1024];

  /** Lazy mode (set by the first read): the current page's dictionary ids, null on other pages. */
  private Boolean lazyMode;

  private DictionaryIds pageIds;
  private FieldVector dictionaryVector;

  ColumnChunkReader(
      ColumnDescriptor col,
      ByteBuffer chunk,
      long chunkFileOffset,
      long totalValues,
      PageDecompressor decompressor,
      String file,
      boolean verifyChecksums) {
    this.verifyChecksums = verifyChecksums;
    this.col = col;
    this.totalValues = totalValues;
    this.decompressor = decompressor;
    this.file = file;
    this.context = file + " (column '" + col.name() + "')";
    this.pages = new PageWalker(chunk, chunkFileOffset, context);
    this.levelBitWidth = 32 - Integer.numberOfLeadingZeros(col.maxDefinitionLevel());
    this.repBitWidth = 32 - Integer.numberOfLeadingZeros(col.maxRepetitionLevel());
  }

  /**
   * Most level entries one batch of a nested leaf may hold (two int arrays of this size): a few
   * bytes of RLE can claim billions of entries, so the levels of one batch are bounded.
   */
  static final int MAX_BATCH_ENTRIES = 1 << 25;

  /** The repetition and definition levels of a nested leaf's entries in one batch. */
  static final class Levels {
    int[] rep = new int[1024];
    int[] def = new int[1024];
    int size;

    void add(int r, int d) {
      if (size == rep.length) {
        rep = java.util.Arrays.copyOf(rep, size * 2);
        def = java.util.Arrays.copyOf(def, size * 2);
      }
      rep[size] = r;
      def[size] = d;
      size++;
    }
  }

  /**
   * Per repetition level, the least definition level an entry repeating there may have (nested
   * leaves).
   */
  private int[] definedLists;

  void requireDefinedLists(int[] minDef) {
    this.definedLists = minDef;
  }

  int maxRepetitionLevel() {
    return col.maxRepetitionLevel();
  }

  private int[] bufRep;
  private int[] bufDef;
  private int bufPos;
  private int bufLen;

  /**
   * Reads the next {@code n} records of a leaf inside a nested column: every level entry into
   * {@code out}, and the leaf's values into {@code leafVec} at its slots (entries whose definition
   * level reaches {@code slotDef}; a value where it reaches the maximum).
   *
   * @return the number of leaf slots written
   */
  int readRecords(int n, Levels out, FieldVector leafVec, int slotDef) throws HomiParquetException {
    if (bufRep == null) {
      bufRep = new int[1024];
      bufDef = new int[1024];
    }
    out.size = 0;
    int maxDef = col.maxDefinitionLevel();
    int maxRep = col.maxRepetitionLevel();
    int records = 0;
    int slot = 0;
    boolean stop = false;
    while (!stop) {
      if (bufPos == bufLen && !fill()) break;
      int runStart = -1;
      int i = bufPos;
      for (; i < bufLen; i++) {
        int r = bufRep[i];
        int d = bufDef[i];
        if (r == 0) {
          if (records == n) {
            stop = true;
            break;
          }
          records++;
        } else if (records == 0) {
          // Only a chunk's first entry can get here (a batch resumes at a level-0 entry). Spark's
          // reader (parquet-java) starts a record there whatever its level: so does homi.
          r = 0;
          records++;
        }
        if (r > maxRep || d > maxDef || r < 0 || d < 0) {
          throw new CorruptParquetException(
              context,
              "levels (rep "
                  + r
                  + ", def "
                  + d
                  + ") above the maximum ("
                  + maxRep
                  + ", "
                  + maxDef
                  + ")");
        }
        if (definedLists != null && d < definedLists[r]) {
          throw new CorruptParquetException(
              context,
              "levels (rep "
                  + r
                  + ", def "
                  + d
                  + "): an element of a list that is"
                  + " null or empty at definition level "
                  + d
                  + " (an element needs "
                  + definedLists[r]
                  + ")");
        }
        if (out.size == MAX_BATCH_ENTRIES) {
          throw new HomiParquetException(
              "a batch of "
                  + n
                  + " rows of "
                  + context
                  + " holds more than "
                  + MAX_BATCH_ENTRIES
                  + " nested values; lower homi.batchRows");
        }
        out.add(r, d);
        if (d == maxDef) {
          if (runStart < 0) runStart = slot;
          slot++;
          continue;
        }
        if (runStart >= 0) {
          writeValues(leafVec, runStart, slot - runStart);
          runStart = -1;
        }
        if (d >= slotDef) slot++;
      }
      if (runStart >= 0) writeValues(leafVec, runStart, slot - runStart);
      bufPos = i;
    }
    if (records != n) {
      throw new CorruptParquetException(
          context, "column chunk ends after " + records + " of " + n + " records asked");
    }
    return slot;
  }

  private void writeValues(FieldVector v, int at, int count) throws HomiParquetException {
    if (col.kind() == ValueKind.NULL) return;
    NestedColumnReader.ensure(v, at + count);
    values.read(v, at, count);
    Validity.setRange(v, at, count);
  }

  /** Next level entries of the current page into the buffer; false at the end of the chunk. */
  private boolean fill() throws HomiParquetException {
    if (pageValuesLeft == 0) {
      if (valuesRead >= totalValues || !pages.hasNext()) return false;
      nextDataPage();
    }
    int k = Math.min(bufRep.length, pageValuesLeft);
    if (col.maxRepetitionLevel() > 0) reps.readInts(bufRep, 0, k);
    else java.util.Arrays.fill(bufRep, 0, k, 0);
    if (col.maxDefinitionLevel() > 0) defs.readInts(bufDef, 0, k);
    else java.util.Arrays.fill(bufDef, 0, k, 0);
    pageValuesLeft -= k;
    valuesRead += k;
    bufPos = 0;
    bufLen = k;
    return true;
  }

  /** Decodes the next {@code n} rows into positions [dst, dst+n) of {@code v}. */
  @Override
  public void read(FieldVector v, int dst, int n) throws HomiParquetException {
    read(v, dst, n, null);
  }

  /**
   * As {@link #read(FieldVector, int, int)}; with {@code lazy}, dictionary-encoded rows become ids
   * in it instead of values in {@code v} while the batch stays on dictionary pages (see {@link
   * DictionaryBatch}). A chunk is read either always with or always without one: in lazy mode every
   * dictionary page's ids go through {@link #pageIds}.
   */
  @Override
  public void read(FieldVector v, int dst, int n, DictionaryBatch lazy)
      throws HomiParquetException {
    if (lazy != null && (col.kind() == ValueKind.NULL || col.kind() == ValueKind.BOOLEAN)) {
      lazy.deactivate(); // no dictionary to hold ids into
      lazy = null;
    }
    if (lazyMode == null) lazyMode = lazy != null;
    else if (lazyMode != (lazy != null))
      throw new IllegalStateException(context + ": lazy and eager reads mixed");
    if (lazy != null) lazy.start(dst + n);
    if (levels.length < n) levels = new int[n];
    int done = 0;
    while (done < n) {
      if (pageValuesLeft == 0) nextDataPage();
      if (lazy != null && lazy.active() && pageIds == null) {
        materialize(v, lazy, dst, done); // this batch reaches a page without a dictionary
      }
      int k = Math.min(n - done, pageValuesLeft);
      int at = dst + done;
      if (col.kind() == ValueKind.NULL) {
        if (col.maxDefinitionLevel() > 0) defs.readInts(levels, 0, k);
      } else if (col.maxDefinitionLevel() == 0) {
        writeRun(v, at, k, lazy);
      } else {
        defs.readInts(levels, 0, k);
        int[] ids = pageIds == null ? null : lazy.ids();
        int i = 0;
        while (i < k) {
          int level = levels[i];
          if (level == col.maxDefinitionLevel()) {
            int j = i + 1;
            while (j < k && levels[j] == level) j++;
            writeRun(v, at + i, j - i, lazy);
            i = j;
          } else if (level >= 0 && level < col.maxDefinitionLevel()) {
            if (ids != null)
              ids[at + i] = 0; // a null row's id: stale ids may lie beyond this dictionary
            i++; // null: the zeroed validity bit stays clear
          } else {
            throw new CorruptParquetException(
                context,
                "definition level " + level + " above the maximum " + col.maxDefinitionLevel());
          }
        }
      }
      pageValuesLeft -= k;
      done += k;
      valuesRead += k;
    }
    if (lazy != null && lazy.active()) lazy.dictionary(dictionaryVector(v));
  }

  /**
   * A run of non-null values: into {@code v}, or as ids (gathered at once if the batch is no longer
   * lazy).
   */
  private void writeRun(FieldVector v, int at, int count, DictionaryBatch lazy)
      throws HomiParquetException {
    if (pageIds == null) {
      values.read(v, at, count);
    } else {
      pageIds.read(lazy.ids(), at, count);
      if (!lazy.active()) gather(v, lazy.ids(), at, count);
    }
    Validity.setRange(v, at, count);
  }

  /**
   * Writes the values of the ids already read for rows [from, from+count) into {@code v}; the batch
   * stops being lazy.
   */
  private void materialize(FieldVector v, DictionaryBatch lazy, int from, int count)
      throws HomiParquetException {
    lazy.deactivate();
    if (count == 0) return; // also where the chunk has no dictionary at all
    FieldVector d = dictionaryVector(v);
    int[] ids = lazy.ids();
    for (int i = from; i < from + count; i++) {
      if (!v.isNull(i)) v.copyFromSafe(ids[i], i, d);
    }
  }

  private void gather(FieldVector v, int[] ids, int at, int count) throws HomiParquetException {
    FieldVector d = dictionaryVector(v);
    for (int i = at; i < at + count; i++) v.copyFromSafe(ids[i], i, d);
  }

  /** This chunk's dictionary as a vector of the column's type, decoded on first use. */
  private FieldVector dictionaryVector(FieldVector like) throws HomiParquetException {
    if (dictionaryVector == null) {
      dictionaryVector = DictionaryVector.decode(col, dictionary, like.getAllocator(), context);
    }
    return dictionaryVector;
  }

  /**
   * Frees the decoded dictionary of lazy batches (the last batch read must no longer be in use).
   */
  @Override
  public void close() {
    if (dictionaryVector != null) dictionaryVector.close();
    dictionaryVector = null;
  }

  private void nextDataPage() throws HomiParquetException {
    while (true) {
      if (!pages.hasNext()) {
        throw new CorruptParquetException(
            context, "column chunk ends after " + valuesRead + " of " + totalValues + " values");
      }
      PageWalker.Page p = pages.next();
      PageHeader h = p.header();
      ByteBuffer body = pages.body(p);
      if (verifyChecksums && h.isSetCrc()) checkCrc(h.getCrc(), body, p.fileOffset());
      switch (h.getType()) {
        case DICTIONARY_PAGE -> readDictionary(h, body);
        case DATA_PAGE -> {
          if (startV1(h, body)) return;
        }
        case DATA_PAGE_V2 -> {
          if (startV2(h, body)) return;
        }
        default -> {} // index pages and unknown page types carry no values
      }
    }
  }

  /** The format's page CRC: CRC32 of the page's bytes as stored (after the header, compressed). */
  private void checkCrc(int expected, ByteBuffer body, long pageOffset)
      throws CorruptParquetException {
    java.util.zip.CRC32 crc = new java.util.zip.CRC32();
    crc.update(body.duplicate());
    if ((int) crc.getValue() != expected) {
      throw new CorruptParquetException(
          context,
          String.format(
              "page at file offset %d fails its CRC32 check" + " (stored %08x, computed %08x)",
              pageOffset, expected, (int) crc.getValue()));
    }
  }

  private void readDictionary(PageHeader h, ByteBuffer body) throws HomiParquetException {
    if (dictionary != null)
      throw new CorruptParquetException(context, "second dictionary page in one column chunk");
    if (!h.isSetDictionary_page_header())
      throw new CorruptParquetException(context, "dictionary page without its header");
    if (col.kind() == ValueKind.NULL) return; // NullType: values are never looked at
    Encoding enc = h.getDictionary_page_header().getEncoding();
    if (enc != Encoding.PLAIN && enc != Encoding.PLAIN_DICTIONARY) {
      throw new UnsupportedParquetException(
          "dictionary page encoding " + enc + " in column '" + col.name() + "'", file);
    }
    ByteBuffer page = decompressor.decompress(body, h.getUncompressed_page_size(), col.name());
    dictionary =
        Dictionary.decode(page, h.getDictionary_page_header().getNum_values(), col, context);
  }

  private boolean startV1(PageHeader h, ByteBuffer body) throws HomiParquetException {
    if (!h.isSetData_page_header())
      throw new CorruptParquetException(context, "data page without its header");
    DataPageHeader d = h.getData_page_header();
    checkCount(d.getNum_values());
    ByteBuffer page = decompressor.decompress(body, h.getUncompressed_page_size(), col.name());
    int p = 0;
    if (col.maxRepetitionLevel() > 0) {
      reps =
          levelsV1(
              d.getRepetition_level_encoding(),
              page,
              p,
              repBitWidth,
              d.getNum_values(),
              "repetition");
      p = levelsEnd;
    }
    if (col.maxDefinitionLevel() > 0) {
      defs =
          levelsV1(
              d.getDefinition_level_encoding(),
              page,
              p,
              levelBitWidth,
              d.getNum_values(),
              "definition");
      p = levelsEnd;
    }
    values =
        valuesFor(
            d.getEncoding(),
            page.slice(p, page.limit() - p).order(ByteOrder.LITTLE_ENDIAN),
            d.getNum_values());
    pageValuesLeft = d.getNum_values();
    return pageValuesLeft > 0;
  }

  private int levelsEnd;

  private LevelDecoder levelsV1(
      Encoding le, ByteBuffer page, int p, int width, int count, String what)
      throws HomiParquetException {
    // Only RLE: Spark's reader refuses other definition level encodings and reads repetition
    // levels as RLE whatever the header says, so a BIT_PACKED header is refused, never guessed at.
    if (le == Encoding.RLE) {
      if (page.limit() - p < 4)
        throw new CorruptParquetException(
            context, "data page too short for its " + what + " levels");
      int len = page.getInt(p);
      if (len < 0 || len > page.limit() - p - 4)
        throw new CorruptParquetException(context, what + " levels length " + len);
      levelsEnd = p + 4 + len;
      return new RleBitPackedDecoder(page, p + 4, p + 4 + len, width, context);
    }
    throw new UnsupportedParquetException(
        what + " level encoding " + le + " in column '" + col.name() + "'", file);
  }

  private boolean startV2(PageHeader h, ByteBuffer body) throws HomiParquetException {
    if (!h.isSetData_page_header_v2())
      throw new CorruptParquetException(context, "v2 data page without its header");
    DataPageHeaderV2 d = h.getData_page_header_v2();
    checkCount(d.getNum_values());
    int rl = d.getRepetition_levels_byte_length();
    int dl = d.getDefinition_levels_byte_length();
    if (rl < 0 || dl < 0 || (long) rl + dl > body.limit()) {
      throw new CorruptParquetException(
          context,
          "v2 page level lengths " + rl + "+" + dl + " exceed its " + body.limit() + " bytes");
    }
    if (col.maxRepetitionLevel() > 0)
      reps = new RleBitPackedDecoder(body, 0, rl, repBitWidth, context);
    if (col.maxDefinitionLevel() > 0)
      defs = new RleBitPackedDecoder(body, rl, rl + dl, levelBitWidth, context);
    ByteBuffer raw = body.slice(rl + dl, body.limit() - rl - dl);
    int uncompressed = h.getUncompressed_page_size() - rl - dl;
    ByteBuffer data =
        (!d.isSetIs_compressed() || d.isIs_compressed())
            ? decompressor.decompress(raw, uncompressed, col.name())
            : raw.order(ByteOrder.LITTLE_ENDIAN);
    values = valuesFor(d.getEncoding(), data, d.getNum_values());
    pageValuesLeft = d.getNum_values();
    return pageValuesLeft > 0;
  }

  private void checkCount(int n) throws CorruptParquetException {
    PageWalker.checkPageValues(context, n, totalValues - valuesRead, totalValues);
  }

  private PageValues valuesFor(Encoding e, ByteBuffer data, int pageValues)
      throws HomiParquetException {
    pageIds = null;
    if (col.kind() == ValueKind.NULL) return (v, dst, count) -> {};
    if (Boolean.TRUE.equals(lazyMode)
        && (e == Encoding.PLAIN_DICTIONARY || e == Encoding.RLE_DICTIONARY)) {
      pageIds = new DictionaryIds(dictionary, data, context);
      return null;
    }
    return ValueDecoders.forPage(col, e, data, dictionary, pageValues, context, file);
  }
}
