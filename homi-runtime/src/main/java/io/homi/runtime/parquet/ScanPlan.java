package io.homi.runtime.parquet;

import io.homi.runtime.io.ByteRange;
import io.homi.runtime.io.RangeFetch;
import io.homi.runtime.mediator.Namespace;
import java.util.ArrayList;
import java.util.List;
import org.apache.parquet.format.ColumnChunk;
import org.apache.parquet.format.ColumnMetaData;
import org.apache.parquet.format.CompressionCodec;
import org.apache.parquet.format.FileMetaData;
import org.apache.parquet.format.RowGroup;

/**
 * Which bytes of a file a scan needs, planned once from the footer: row groups x projected (leaf)
 * column chunks x validated byte ranges ({@link ChunkBounds}), and the block-aligned runs that
 * cover them, coalesced by the one planner ({@link RangeFetch#plan}) with the scan's {@code
 * homi.coalesceGap}. Used by the CPU decoder (per row group) and the GPU decoder (a chunk's bytes
 * land in staging at {@code stageOffset}, the same offset on the host and the device).
 */
public final class ScanPlan {
  /** Runs start and end on this boundary (so O_DIRECT can read them). */
  public static final int ALIGN = Namespace.LBA_SIZE;

  /** One column chunk: where it lies in the file and where it is staged. */
  public record Chunk(
      int column,
      int rowGroup,
      long fileOffset,
      long length,
      long rows,
      long stageOffset,
      CompressionCodec codec,
      ColumnMetaData metadata) {
    public ByteRange range() {
      return new ByteRange(fileOffset, length);
    }
  }

  /** One aligned read: file [fileOffset, +length) to staging [stageOffset, +length). */
  public record Run(long fileOffset, long length, long stageOffset) {}

  private final List<Chunk> chunks;
  private final List<Run> runs;
  private final long stageBytes;

  private ScanPlan(List<Chunk> chunks, List<Run> runs, long stageBytes) {
    this.chunks = chunks;
    this.runs = runs;
    this.stageBytes = stageBytes;
  }

  /**
   * The plan of {@code columns} (leaves, as the schema numbers them) in {@code rowGroups} (null =
   * all), chunks column-major (all row groups of column 0, then column 1, ...), runs in file order.
   */
  public static ScanPlan of(
      String file,
      FileMetaData md,
      List<ColumnDescriptor> columns,
      int[] rowGroups,
      long fileSize,
      long coalesceGap)
      throws HomiParquetException {
    List<Leaf> leaves = new ArrayList<>();
    for (ColumnDescriptor c : columns)
      leaves.add(new Leaf(c.index(), c.name(), !c.isNested() && c.maxRepetitionLevel() == 0));
    return plan(file, md, leaves, rowGroups, fileSize, coalesceGap);
  }

  /**
   * Every column chunk of every row group, named by its {@code path_in_schema} (what {@code
   * inspect} lists; no schema mapping, so a file with types the decoder refuses is still
   * described).
   */
  public static ScanPlan everyChunk(String file, FileMetaData md, long fileSize, long coalesceGap)
      throws HomiParquetException {
    List<Leaf> leaves = new ArrayList<>();
    if (md.getRow_groupsSize() > 0) {
      List<ColumnChunk> first = md.getRow_groups().get(0).getColumns();
      for (int i = 0; first != null && i < first.size(); i++) {
        ColumnChunk cc = first.get(i);
        leaves.add(
            new Leaf(
                i,
                cc.isSetMeta_data() && cc.getMeta_data().getPath_in_schema() != null
                    ? String.join(".", cc.getMeta_data().getPath_in_schema())
                    : "#" + i,
                false));
      }
    }
    return plan(file, md, leaves, null, fileSize, coalesceGap);
  }

  /**
   * A leaf column: its chunk's index in each row group, its name in messages, and whether it is
   * flat (one value or null per row: its chunk's value count must equal the row count).
   */
  private record Leaf(int index, String name, boolean flat) {}

  private static ScanPlan plan(
      String file,
      FileMetaData md,
      List<Leaf> columns,
      int[] rowGroups,
      long fileSize,
      long coalesceGap)
      throws HomiParquetException {
    int[] groups =
        rowGroups != null
            ? rowGroups
            : java.util.stream.IntStream.range(0, md.getRow_groupsSize()).toArray();
    List<Chunk> raws = new ArrayList<>();
    List<ByteRange> ranges = new ArrayList<>();
    for (int ci = 0; ci < columns.size(); ci++) {
      Leaf c = columns.get(ci);
      for (int g : groups) {
        if (g < 0 || g >= md.getRow_groupsSize())
          throw new CorruptParquetException(file, "no row group " + g);
        RowGroup rg = md.getRow_groups().get(g);
        if (rg.getNum_rows() < 0)
          throw new CorruptParquetException(
              file, "row group " + g + " has " + rg.getNum_rows() + " rows");
        // A row group without rows holds nothing to read (writers may leave its chunks' offsets at
        // 0),
        // as the CPU reader skips it.
        if (rg.getNum_rows() == 0) continue;
        if (rg.getColumns() == null || c.index() >= rg.getColumnsSize()) {
          throw new CorruptParquetException(
              file,
              "row group " + g + " has no column chunk " + c.index() + " ('" + c.name() + "')");
        }
        ColumnMetaData m = ChunkBounds.metadata(file, g, c.name(), rg.getColumns().get(c.index()));
        // A flat column holds one value (or null) per row: a lying num_rows must not cut the rows.
        if (c.flat() && m.getNum_values() != rg.getNum_rows()) {
          throw new CorruptParquetException(
              file,
              "row group "
                  + g
                  + " column '"
                  + c.name()
                  + "' holds "
                  + m.getNum_values()
                  + " values for the row group's "
                  + rg.getNum_rows()
                  + " rows");
        }
        ByteRange r = ChunkBounds.range(file, g, c.name(), m, fileSize);
        raws.add(new Chunk(ci, g, r.offset(), r.length(), rg.getNum_rows(), -1, m.getCodec(), m));
        ranges.add(r);
      }
    }
    // Each run staged at an aligned offset, so the staging address of file byte x is run.stage + (x
    // - run.file).
    List<Run> runs = new ArrayList<>();
    long stage = 0;
    for (long[] sp : RangeFetch.plan(ranges, coalesceGap, fileSize)) {
      runs.add(new Run(sp[0], sp[1], stage));
      stage += sp[1];
    }
    List<Chunk> chunks = new ArrayList<>();
    for (Chunk r : raws) {
      Run run =
          runs.stream()
              .filter(
                  x ->
                      r.fileOffset() >= x.fileOffset()
                          && r.fileOffset() + r.length() <= x.fileOffset() + x.length())
              .findFirst()
              .orElseThrow();
      chunks.add(
          new Chunk(
              r.column(),
              r.rowGroup(),
              r.fileOffset(),
              r.length(),
              r.rows(),
              run.stageOffset() + (r.fileOffset() - run.fileOffset()),
              r.codec(),
              r.metadata()));
    }
    return new ScanPlan(List.copyOf(chunks), List.copyOf(runs), stage);
  }

  public List<Chunk> chunks() {
    return chunks;
  }

  public List<Run> runs() {
    return runs;
  }

  /** Bytes of all runs end to end (the staging a whole-plan read needs). */
  public long stageBytes() {
    return stageBytes;
  }
}
