package io.homi.runtime.parquet;

import io.homi.runtime.io.ByteRange;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.parquet.format.ColumnChunk;
import org.apache.parquet.format.ColumnMetaData;
import org.apache.parquet.format.RowGroup;

/**
 * Where a Parquet file's row groups and column chunks sit, for {@code homi inspect}: just the
 * byte ranges, from the one footer parser ({@link ParquetFooter}) and the one set of chunk rules
 * ({@link ChunkBounds}), so a corrupt footer gives the same error naming the file and the field
 * as a read does.
 */
public record ParquetLayout(long footerOffset, int footerLength, List<RowGroupRange> rowGroups) {
  public record ColumnRange(String path, String codec, long offset, long length) {
    public long end() {
      return offset + length;
    }
  }

  public record RowGroupRange(int index, long rows, List<ColumnRange> columns) {}

  /** True when the file starts and ends with PAR1 (cheap: 8 bytes read). */
  public static boolean looksLikeParquet(Path file) throws IOException {
    return ParquetFooter.looksLikeParquet(file);
  }

  public static ParquetLayout read(Path file) throws IOException {
    ParquetFooter.Footer footer = ParquetFooter.read(file);
    long size = Files.size(file);
    List<RowGroupRange> groups = new ArrayList<>();
    List<RowGroup> rgs = footer.metadata().getRow_groups();
    for (int i = 0; i < rgs.size(); i++) groups.add(rowGroup(file.toString(), i, rgs.get(i), size));
    return new ParquetLayout(footer.offset(), footer.length(), groups);
  }

  private static RowGroupRange rowGroup(String file, int index, RowGroup rg, long size) throws IOException {
    List<ColumnRange> cols = new ArrayList<>();
    List<ColumnChunk> chunks = rg.getColumns() == null ? List.of() : rg.getColumns();
    for (int c = 0; c < chunks.size(); c++) {
      ColumnChunk cc = chunks.get(c);
      String path = cc.isSetMeta_data() && cc.getMeta_data().getPath_in_schema() != null
          ? String.join(".", cc.getMeta_data().getPath_in_schema()) : "#" + c;
      ColumnMetaData cm = ChunkBounds.metadata(file, index, path, cc);
      ByteRange r = ChunkBounds.range(file, index, path, cm, size);
      cols.add(new ColumnRange(path, String.valueOf(cm.getCodec()), r.offset(), r.length()));
    }
    return new RowGroupRange(index, rg.getNum_rows(), cols);
  }
}
