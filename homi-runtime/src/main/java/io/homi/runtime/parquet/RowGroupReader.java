package io.homi.runtime.parquet;

import io.homi.runtime.io.ByteRange;
import io.homi.runtime.io.RangeFetch;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.vector.FieldVector;
import org.apache.parquet.format.ColumnChunk;
import org.apache.parquet.format.ColumnMetaData;
import org.apache.parquet.format.RowGroup;

/**
 * One row group's projected column chunks, fetched in one coalesced set of read commands and
 * decoded batch by batch. The file's identity is re-checked once the bytes are in memory, so a file
 * changed during the read fails here instead of yielding a mix of old and new data.
 */
public final class RowGroupReader implements AutoCloseable {
  private final RangeFetch fetch;
  private final List<ColumnReader> readers;
  private final long rows;
  private final SelectedRowsReader selected; // page-index pruning, else null
  private long rowsRead;

  private RowGroupReader(
      RangeFetch fetch, List<ColumnReader> readers, long rows, SelectedRowsReader selected) {
    this.fetch = fetch;
    this.readers = readers;
    this.rows = rows;
    this.selected = selected;
  }

  /**
   * @param pages the data pages to read (page-index pruning; flat columns only), or null for whole
   *     chunks
   */
  static RowGroupReader open(
      ParquetFileReader f, int index, List<ColumnDescriptor> columns, PageSelection pages)
      throws IOException {
    String file = f.path();
    RowGroup rg = f.metadata().getRow_groups().get(index);
    int leaves = f.schema().leafCount();
    if (rg.getColumnsSize() != leaves) {
      throw new CorruptParquetException(
          file,
          "row group "
              + index
              + " has "
              + rg.getColumnsSize()
              + " column chunks for "
              + leaves
              + " schema columns");
    }
    if (rg.getNum_rows() < 0)
      throw new CorruptParquetException(
          file, "row group " + index + " has " + rg.getNum_rows() + " rows");
    List<ColumnDescriptor> leafColumns = new ArrayList<>();
    for (ColumnDescriptor top : columns)
      leafColumns.addAll(top.isNested() ? top.nested().leaves() : List.of(top));
    for (ColumnDescriptor c : leafColumns) checkValueCount(file, index, rg, c);
    // An empty row group has no pages to fetch; some writers even leave its chunk offsets at 0.
    if (rg.getNum_rows() == 0) return new RowGroupReader(null, List.of(), 0, null);
    long fileSize = f.identity().size();
    List<ByteRange> ranges = new ArrayList<>();
    List<ByteRange> fetched = new ArrayList<>(); // whole chunks, or the selected pages
    List<ColumnMetaData> metas = new ArrayList<>();
    // The row group's part of the scan plan: one validated range per projected leaf chunk.
    ScanPlan plan =
        ScanPlan.of(
            file,
            f.metadata(),
            leafColumns,
            new int[] {index},
            fileSize,
            f.config().coalesceGapBytes());
    for (int i = 0; i < leafColumns.size(); i++) {
      ColumnDescriptor c = leafColumns.get(i);
      ScanPlan.Chunk chunk = plan.chunks().get(i);
      ByteRange whole = chunk.range();
      ranges.add(whole);
      metas.add(chunk.metadata());
      if (pages == null) {
        fetched.add(whole);
      } else if (c.maxRepetitionLevel() > 0 || !pages.covers(c.index())) {
        throw new IllegalArgumentException(
            "page selection without column '" + c.name() + "' of " + file);
      } else {
        fetched.addAll(pages.ranges(c.index(), whole));
      }
    }
    RangeFetch fetch;
    try {
      fetch =
          RangeFetch.read(
              f.client(),
              f.runtime().buffers(),
              f.namespace(),
              fetched,
              f.config().coalesceGapBytes());
    } catch (io.homi.runtime.io.HomiIoException e) {
      // A failed read (EIO from a bad sector, a revoked grant) says which row group it cost.
      throw e.in("row group " + index + ", " + leafColumns.size() + " column chunk(s)");
    }
    try {
      String changed = f.namespace().checkUnchanged();
      if (changed != null)
        throw new HomiParquetException("file changed during the scan: " + file + ": " + changed);
      List<ColumnChunkReader> chunks = new ArrayList<>();
      for (int i = 0; i < leafColumns.size(); i++) {
        ByteRange r = ranges.get(i);
        ColumnDescriptor c = leafColumns.get(i);
        PageDecompressor d =
            new PageDecompressor(metas.get(i).getCodec(), f.config().maxPageBytes(), file);
        // A flat column has one level entry per row; a nested leaf the chunk's num_values.
        long values = pages == null ? rg.getNum_rows() : pages.yielded(c.index()).rowCount();
        if (c.maxRepetitionLevel() > 0) values = metas.get(i).getNum_values();
        // Selected pages are gathered end to end (page offsets in messages are then relative).
        java.nio.ByteBuffer bytes =
            pages == null
                ? fetch.view(r.offset(), (int) r.length())
                : pages.gather(fetch, c.index(), r);
        chunks.add(
            new ColumnChunkReader(
                c, bytes, r.offset(), values, d, file, f.config().verifyChecksums()));
      }
      List<ColumnReader> readers = new ArrayList<>();
      int at = 0;
      for (ColumnDescriptor top : columns) {
        if (!top.isNested()) {
          readers.add(chunks.get(at++));
        } else {
          int k = top.nested().leaves().size();
          readers.add(new NestedColumnReader(top.nested(), chunks.subList(at, at + k), file));
          at += k;
        }
      }
      if (pages == null) return new RowGroupReader(fetch, readers, rg.getNum_rows(), null);
      return new RowGroupReader(
          fetch,
          readers,
          pages.rowCount(),
          new SelectedRowsReader(readers, leafColumns, pages, f.runtime().allocator()));
    } catch (IOException | RuntimeException e) {
      fetch.close();
      throw e;
    }
  }

  /**
   * The row group's row count against the chunk's value count: a flat column holds exactly one
   * value (or null) per row, a nested leaf at least one level entry per row, and an empty row group
   * none. A lying num_rows would otherwise read as fewer rows (or none) without an error.
   */
  private static void checkValueCount(String file, int index, RowGroup rg, ColumnDescriptor c)
      throws HomiParquetException {
    ColumnChunk cc = rg.getColumns().get(c.index());
    if (!cc.isSetMeta_data())
      throw new CorruptParquetException(
          file, "row group " + index + " column '" + c.name() + "' has no metadata");
    long values = cc.getMeta_data().getNum_values();
    long rows = rg.getNum_rows();
    boolean ok =
        rows == 0 ? values == 0 : c.maxRepetitionLevel() > 0 ? values >= rows : values == rows;
    if (!ok) {
      throw new CorruptParquetException(
          file,
          "row group "
              + index
              + " column '"
              + c.name()
              + "' holds "
              + values
              + " values for the row group's "
              + rows
              + " rows");
    }
  }

  public long rows() {
    return rows;
  }

  public long rowsLeft() {
    return rows - rowsRead;
  }

  /**
   * Decodes the next {@code n} rows of every column into {@code vectors} starting at {@code dst}.
   */
  public void read(List<FieldVector> vectors, int dst, int n) throws IOException {
    read(vectors, null, dst, n);
  }

  /**
   * As {@link #read(List, int, int)}, with one {@link DictionaryBatch} per column (or null for a
   * column read eagerly) in {@code lazy}: flat dictionary-encoded columns keep ids instead of
   * values. Pass the same choice for a column on every call.
   */
  public void read(List<FieldVector> vectors, List<DictionaryBatch> lazy, int dst, int n)
      throws IOException {
    if (n > rowsLeft())
      throw new IllegalArgumentException(n + " rows asked, " + rowsLeft() + " left");
    if (selected != null) {
      // Page-index pruning drops rows inside pages, so its batches are always values, not ids.
      if (lazy != null) for (DictionaryBatch d : lazy) if (d != null) d.deactivate();
      selected.read(vectors, dst, n);
    } else {
      for (int i = 0; i < readers.size(); i++) {
        readers.get(i).read(vectors.get(i), dst, n, lazy == null ? null : lazy.get(i));
      }
    }
    rowsRead += n;
  }

  public long bytesFetched() {
    return fetch == null ? 0 : fetch.bytesRead();
  }

  @Override
  public void close() {
    if (selected != null) selected.close();
    readers.forEach(ColumnReader::close); // decoded dictionaries of lazy batches
    if (fetch != null) fetch.close();
  }
}
