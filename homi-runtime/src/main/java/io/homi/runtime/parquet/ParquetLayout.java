package io.homi.runtime.parquet;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.parquet.format.FileMetaData;

/**
 * Where a Parquet file's row groups and column chunks sit, for {@code homi inspect}: the footer
 * from the one footer parser ({@link ParquetFooter}) and the chunk ranges from the scan plan of
 * every chunk ({@link ScanPlan#everyChunk}), so a corrupt file gives the same error naming the file
 * and the field as a read does.
 */
public record ParquetLayout(long footerOffset, int footerLength, List<RowGroup> rowGroups) {
  /** One column chunk: where its bytes lie. */
  public record Chunk(String path, String codec, long offset, long length) {
    public long end() {
      return offset + length;
    }
  }

  public record RowGroup(int index, long rows, List<Chunk> columns) {}

  /** True when the file starts and ends with PAR1 (cheap: 8 bytes read). */
  public static boolean looksLikeParquet(Path file) throws IOException {
    return ParquetFooter.looksLikeParquet(file);
  }

  public static ParquetLayout read(Path file) throws IOException {
    ParquetFooter.Footer footer = ParquetFooter.read(file);
    FileMetaData md = footer.metadata();
    ScanPlan plan = ScanPlan.everyChunk(file.toString(), md, Files.size(file), 0);
    List<List<Chunk>> byGroup = new ArrayList<>();
    for (int g = 0; g < md.getRow_groupsSize(); g++) byGroup.add(new ArrayList<>());
    for (ScanPlan.Chunk c :
        plan.chunks()) { // column-major: each group's list fills in column order
      List<String> path = c.metadata().getPath_in_schema();
      byGroup
          .get(c.rowGroup())
          .add(
              new Chunk(
                  path == null ? "#" + c.column() : String.join(".", path),
                  String.valueOf(c.codec()),
                  c.fileOffset(),
                  c.length()));
    }
    List<RowGroup> groups = new ArrayList<>();
    for (int g = 0; g < md.getRow_groupsSize(); g++) {
      groups.add(
          new RowGroup(g, md.getRow_groups().get(g).getNum_rows(), List.copyOf(byGroup.get(g))));
    }
    return new ParquetLayout(footer.offset(), footer.length(), groups);
  }
}
