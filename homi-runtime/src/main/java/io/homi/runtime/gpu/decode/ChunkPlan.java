package io.homi.runtime.gpu.decode;

import io.homi.runtime.parquet.ColumnDescriptor;
import io.homi.runtime.parquet.CorruptParquetException;
import io.homi.runtime.parquet.HomiParquetException;
import io.homi.runtime.parquet.UnsupportedParquetException;
import java.util.ArrayList;
import java.util.List;
import org.apache.parquet.format.ColumnChunk;
import org.apache.parquet.format.ColumnMetaData;
import org.apache.parquet.format.FileMetaData;
import org.apache.parquet.format.RowGroup;

/**
 * Which bytes of a file a GPU decode needs: every projected column chunk of every row group,
 * and the aligned runs that cover them (so O_DIRECT can read them). A chunk's bytes land in the
 * staging buffers at {@code stageOffset}; the same offset is used on the host and the device.
 */
public final class ChunkPlan {
  public static final int ALIGN = 4096;
  private static final long MERGE_GAP = 1 << 20;

  /** One column chunk: file range and where it is staged. */
  public record Chunk(int column, int rowGroup, long fileOffset, long length, long rows, long stageOffset,
                      org.apache.parquet.format.CompressionCodec codec) {}

  /** One aligned read: file [fileOffset, +length) to staging [stageOffset, +length). */
  public record Run(long fileOffset, long length, long stageOffset) {}

  private final List<Chunk> chunks;
  private final List<Run> runs;
  private final long stageBytes;

  private ChunkPlan(List<Chunk> chunks, List<Run> runs, long stageBytes) {
    this.chunks = chunks;
    this.runs = runs;
    this.stageBytes = stageBytes;
  }

  /** Chunks in column-major order (all row groups of column 0, then column 1, ...). */
  public static ChunkPlan of(String file, FileMetaData md, List<ColumnDescriptor> columns, long fileSize)
      throws HomiParquetException {
    return of(file, md, columns, null, fileSize);
  }

  /** The plan of {@code rowGroups} only (null = all), in that order, column-major. */
  public static ChunkPlan of(String file, FileMetaData md, List<ColumnDescriptor> columns, int[] rowGroups, long fileSize)
      throws HomiParquetException {
    int[] groups = rowGroups != null ? rowGroups : java.util.stream.IntStream.range(0, md.getRow_groupsSize()).toArray();
    record Raw(int column, int rg, long start, long len, long rows, org.apache.parquet.format.CompressionCodec codec) {}
    List<Raw> raws = new ArrayList<>();
    for (int ci = 0; ci < columns.size(); ci++) {
      ColumnDescriptor c = columns.get(ci);
      if (c.isNested()) throw new UnsupportedParquetException("nested column '" + c.name() + "' on the GPU decode path", file);
      for (int g : groups) {
        if (g < 0 || g >= md.getRow_groupsSize()) throw new CorruptParquetException(file, "no row group " + g);
        RowGroup rg = md.getRow_groups().get(g);
        if (rg.getNum_rows() < 0) throw new CorruptParquetException(file, "row group " + g + " has " + rg.getNum_rows() + " rows");
        ColumnChunk cc = rg.getColumns().get(c.index());
        if (cc.isSetFile_path()) throw new UnsupportedParquetException("column chunk stored in another file (" + cc.getFile_path() + ")", file);
        if (!cc.isSetMeta_data()) throw new CorruptParquetException(file, "row group " + g + " column '" + c.name() + "' has no metadata");
        ColumnMetaData m = cc.getMeta_data();
        // A flat column holds one value (or null) per row: a lying num_rows must not cut the rows.
        if (m.getNum_values() != rg.getNum_rows()) {
          throw new CorruptParquetException(file, "row group " + g + " column '" + c.name() + "' holds " + m.getNum_values()
              + " values for the row group's " + rg.getNum_rows() + " rows");
        }
        long data = m.getData_page_offset();
        long start = data;
        // Some writers store 0 for "no dictionary"; only an offset before the data pages counts.
        if (m.isSetDictionary_page_offset() && m.getDictionary_page_offset() > 0 && m.getDictionary_page_offset() < data) {
          start = m.getDictionary_page_offset();
        }
        long len = m.getTotal_compressed_size();
        if (start < 4 || len <= 0 || len > Integer.MAX_VALUE || start + len > fileSize - 8) {
          throw new CorruptParquetException(file, "row group " + g + " column '" + c.name() + "': chunk at " + start
              + " of " + len + " bytes lies outside the file's data (" + fileSize + " bytes)");
        }
        raws.add(new Raw(ci, g, start, len, rg.getNum_rows(), m.getCodec()));
      }
    }
    // Aligned runs over the chunks in file order, merged when close; each run staged at an
    // aligned offset so the staging address of file byte x is run.stage + (x - run.file).
    List<long[]> spans = new ArrayList<>();
    raws.stream().map(r -> new long[] {r.start / ALIGN * ALIGN, (r.start + r.len + ALIGN - 1) / ALIGN * ALIGN})
        .sorted((a, b) -> Long.compare(a[0], b[0])).forEach(sp -> {
          long[] last = spans.isEmpty() ? null : spans.get(spans.size() - 1);
          if (last != null && sp[0] <= last[1] + MERGE_GAP) last[1] = Math.max(last[1], sp[1]);
          else spans.add(sp);
        });
    List<Run> runs = new ArrayList<>();
    long stage = 0;
    for (long[] sp : spans) {
      runs.add(new Run(sp[0], sp[1] - sp[0], stage));
      stage += sp[1] - sp[0];
    }
    List<Chunk> chunks = new ArrayList<>();
    for (Raw r : raws) {
      Run run = runs.stream().filter(x -> r.start >= x.fileOffset() && r.start + r.len <= x.fileOffset() + x.length())
          .findFirst().orElseThrow();
      chunks.add(new Chunk(r.column, r.rg, r.start, r.len, r.rows, run.stageOffset() + (r.start - run.fileOffset()), r.codec));
    }
    return new ChunkPlan(List.copyOf(chunks), List.copyOf(runs), stage);
  }

  public List<Chunk> chunks() {
    return chunks;
  }

  public List<Run> runs() {
    return runs;
  }

  public long stageBytes() {
    return stageBytes;
  }
}
