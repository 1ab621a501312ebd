package io.homi.runtime.stats;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.parquet.format.ColumnChunk;
import org.apache.parquet.format.ColumnMetaData;
import org.apache.parquet.format.ColumnOrder;
import org.apache.parquet.format.FileMetaData;
import org.apache.parquet.format.RowGroup;
import org.apache.parquet.format.SchemaElement;

/**
 * Footer facts per row group that planning needs: where it lies (for the midpoint rule that assigns
 * it to exactly one split) and the statistics of its top-level leaf columns by name.
 */
public final class RowGroupStats {
  private final FileMetaData footer;
  private final Map<String, Integer> leafByName = new HashMap<>();
  private final Map<String, Integer> leafByLowerName = new HashMap<>();

  /** Schema element index of each top-level primitive column's leaf index. */
  private final Map<Integer, Integer> elementOfLeaf = new HashMap<>();

  public RowGroupStats(FileMetaData footer) {
    this.footer = footer;
    List<SchemaElement> schema = footer.getSchema();
    // Only top-level primitive columns have statistics a predicate can use; a nested column's
    // leaves shift the chunk index of every column after it, so walk the tree counting leaves.
    int leaf = 0;
    int i = 1;
    while (i < schema.size()) {
      SchemaElement e = schema.get(i);
      int n = e.isSetNum_children() ? e.getNum_children() : 0;
      if (n <= 0) {
        if (e.getRepetition_type() != org.apache.parquet.format.FieldRepetitionType.REPEATED) {
          leafByName.putIfAbsent(e.getName(), leaf);
          leafByLowerName.putIfAbsent(e.getName().toLowerCase(java.util.Locale.ROOT), leaf);
          elementOfLeaf.put(leaf, i);
        }
        leaf++;
        i++;
        continue;
      }
      long pending = 1; // skip the group's subtree, counting its leaves
      while (pending > 0 && i < schema.size()) {
        SchemaElement g = schema.get(i++);
        pending--;
        int k = g.isSetNum_children() ? g.getNum_children() : 0;
        if (k > 0) pending += k;
        else leaf++;
      }
    }
  }

  /**
   * Start of a row group as parquet-mr computes it: its first column chunk's dictionary page when
   * there is one, else its first data page.
   */
  public static long start(RowGroup rg) {
    ColumnMetaData first = rg.getColumns().get(0).getMeta_data();
    long start = first.getData_page_offset();
    if (first.isSetDictionary_page_offset()
        && first.getDictionary_page_offset() > 0
        && first.getDictionary_page_offset() < start) {
      start = first.getDictionary_page_offset();
    }
    return start;
  }

  /** Compressed bytes of all the row group's column chunks. */
  public static long compressedSize(RowGroup rg) {
    long n = 0;
    for (ColumnChunk c : rg.getColumns()) n += c.getMeta_data().getTotal_compressed_size();
    return n;
  }

  /**
   * The byte a row group is owned by: the split holding it reads the row group. Spark's rule
   * (parquet-java's midpoint filter) as it is, so homi reads the same row groups as Spark: a row
   * group whose sizes put its midpoint past the file is skipped by both (arrow-rs wrote such files;
   * bad_data/ARROW-RS-GH-6229-DICTHEADER reads as 0 rows in Spark and in homi). Only a row group
   * starting outside the file (an offset far past its end, found by the fuzzer) is clamped into [0,
   * fileSize), so that one split reads it and the chunk checks refuse it naming the file instead of
   * its rows going silently missing. Chunk sizes no JVM reader can hold are refused with the footer
   * (ParquetFooter.checkMidpoint).
   */
  public static long midpoint(RowGroup rg, long fileSize) {
    long start = start(rg);
    long mid = start + compressedSize(rg) / 2;
    if (start >= 0 && start < fileSize && mid >= 0) return mid; // Spark's rule
    if (mid < 0) mid = 0; // also a sum past Long.MAX_VALUE
    return Math.min(mid, Math.max(0, fileSize - 1));
  }

  /** Statistics of row group {@code index}'s columns, looked up by column name. */
  public Function<String, ValueStats> valueStats(int index) {
    RowGroup rg = footer.getRow_groups().get(index);
    return name -> {
      Integer leaf = leafByName.get(name);
      if (leaf == null) leaf = leafByLowerName.get(name.toLowerCase(java.util.Locale.ROOT));
      if (leaf == null || leaf >= rg.getColumnsSize()) return null;
      ColumnChunk cc = rg.getColumns().get(leaf);
      if (!cc.isSetMeta_data()) return null;
      return ValueStats.of(
          cc.getMeta_data(),
          footer.getSchema().get(elementOfLeaf.get(leaf)),
          typeDefinedOrder(leaf));
    };
  }

  /** Whether the row group can hold a matching row. */
  public boolean mightMatch(int index, StatsPredicate predicate) {
    return RowGroupPruner.mightMatch(predicate, valueStats(index));
  }

  /** Leaf (column chunk) index of the top-level primitive column with this name, or null. */
  public Integer leaf(String name) {
    Integer leaf = leafByName.get(name);
    return leaf != null ? leaf : leafByLowerName.get(name.toLowerCase(java.util.Locale.ROOT));
  }

  /** The schema element of a top-level primitive column's leaf (from {@link #leaf}). */
  public SchemaElement element(int leaf) {
    return footer.getSchema().get(elementOfLeaf.get(leaf));
  }

  public boolean typeDefinedOrder(int leaf) {
    if (!footer.isSetColumn_orders() || leaf >= footer.getColumn_ordersSize()) return false;
    ColumnOrder o = footer.getColumn_orders().get(leaf);
    return o.isSetTYPE_ORDER();
  }
}
