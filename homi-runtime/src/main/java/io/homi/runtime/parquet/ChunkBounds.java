package io.homi.runtime.parquet;

import io.homi.runtime.io.ByteRange;
import org.apache.parquet.format.ColumnChunk;
import org.apache.parquet.format.ColumnMetaData;

/**
 * The one set of rules for where a column chunk's bytes are, used by every reader of chunks (CPU
 * decoder, dictionary and page-index pruning, GPU plan, {@code inspect}): a chunk lies in this
 * file, has metadata, and its pages (from the dictionary page when there is one, over {@code
 * total_compressed_size}) lie inside the data area [4, size - 8) and fit one buffer.
 */
public final class ChunkBounds {
  private ChunkBounds() {}

  /** The chunk's metadata; a chunk in another file is unsupported, one without metadata corrupt. */
  public static ColumnMetaData metadata(String file, int rowGroup, String column, ColumnChunk cc)
      throws HomiParquetException {
    if (cc.isSetFile_path()) {
      throw new UnsupportedParquetException(
          "column chunk stored in another file (" + cc.getFile_path() + ")", file);
    }
    if (!cc.isSetMeta_data()) {
      throw new CorruptParquetException(
          file, "row group " + rowGroup + " column '" + column + "' has no metadata");
    }
    return cc.getMeta_data();
  }

  /**
   * Where a chunk's pages lie: from its dictionary page (when present) over its compressed size.
   */
  public static ByteRange range(
      String file, int rowGroup, String column, ColumnMetaData md, long fileSize)
      throws CorruptParquetException {
    long data = md.getData_page_offset();
    long start = data;
    // Some writers store 0 for "no dictionary"; only an offset before the data pages counts.
    if (md.isSetDictionary_page_offset()
        && md.getDictionary_page_offset() > 0
        && md.getDictionary_page_offset() < data) {
      start = md.getDictionary_page_offset();
    }
    long len = md.getTotal_compressed_size();
    // start > fileSize - 8 - len, not start + len > ...: an offset near Long.MAX_VALUE (found by
    // the fuzzer) made the sum wrap negative and pass.
    if (start < 4 || len <= 0 || len > Integer.MAX_VALUE || start > fileSize - 8 - len) {
      throw new CorruptParquetException(
          file,
          "row group "
              + rowGroup
              + " column '"
              + column
              + "': chunk at "
              + start
              + " of "
              + len
              + " bytes lies outside the file's data ("
              + fileSize
              + " bytes)");
    }
    return new ByteRange(start, len);
  }
}
