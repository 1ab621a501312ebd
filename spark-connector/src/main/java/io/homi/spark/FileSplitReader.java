package io.homi.spark;

import io.homi.runtime.HomiRuntime;
import io.homi.runtime.mediator.PathStats;
import io.homi.runtime.parquet.ColumnDescriptor;
import io.homi.runtime.parquet.HomiParquetException;
import io.homi.runtime.parquet.ParquetFileReader;
import io.homi.runtime.parquet.RowGroupFilter;
import io.homi.runtime.parquet.RowGroupPipeline;
import io.homi.runtime.parquet.RowGroupReader;
import io.homi.runtime.stats.RowGroupStats;
import java.io.IOException;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.ValueVector;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.spark.sql.execution.vectorized.ColumnVectorUtils;
import org.apache.spark.sql.execution.vectorized.ConstantColumnVector;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.vectorized.ColumnVector;
import org.apache.spark.sql.vectorized.ColumnarBatch;

/**
 * Reads one byte range of one file: the row groups whose midpoint lies in the range and whose
 * statistics may match, decoded batch by batch into reused Arrow vectors. Columns the file lacks
 * are constant nulls and partition columns constant values, each made once per split. Row groups
 * come from a {@link RowGroupPipeline} that fetches the next one(s) while this one decodes ({@code
 * homi.prefetchRowGroups}); waiting for a row group's bytes is timed as I/O wait, turning pages
 * into vectors as decode.
 */
final class FileSplitReader implements AutoCloseable {
  private final HomiInputPartition.Split split;
  private final ParquetFileReader file;
  private final BufferAllocator allocator;
  private final HomiMetrics.Task metrics;
  private final int batchRows;
  private final List<ColumnDescriptor> fileColumns = new ArrayList<>();
  private final List<FieldVector> vectors = new ArrayList<>();
  private final ColumnVector[] out;
  private final List<ConstantColumnVector> constants = new ArrayList<>();
  private final int[] rowGroups;
  private final List<Integer> fileSlots = new ArrayList<>(); // out[] index of each file column
  private final GpuSplitOutput gpu; // homi.output=gpu / gpu-or-host, else null
  private final ArrowBatchOutput arrow; // homi.output=arrow: batches of their own, else null
  private final RowGroupFilter filter; // dictionary and page-index pruning, per row group
  private final RowGroupPipeline<Opened> pipeline; // CPU decoding (gpu == null) only
  private final DictionaryColumns dictionaries; // lazy dictionary columns (homi.lazyDictionary)
  private FileMetadataColumn
      metadata; // Spark's _metadata column when the query reads it, else null
  private int nextGroup;
  private int pipelined; // row groups taken from the pipeline
  private RowGroupReader current;

  FileSplitReader(HomiInputPartition.Split split, ReadPlan plan, HomiMetrics.Task metrics) {
    this.split = split;
    this.metrics = metrics;
    this.batchRows = plan.options().config().batchRows();
    this.dictionaries = new DictionaryColumns(plan.options().lazyDictionary());
    HomiRuntime rt = HomiRuntime.get();
    try {
      this.file = ParquetFileReader.open(rt, Paths.get(split.path()), plan.options().config());
    } catch (IOException e) {
      throw new HomiReadException(e);
    }
    try {
      if (file.identity().size() != split.plannedSize()
          || file.identity().mtimeNanos() / 1_000_000 != split.plannedMtimeMillis()) {
        throw new HomiReadException(
            new HomiParquetException("file changed since the scan was planned: " + split.path()));
      }
      try {
        StoredSparkSchema.check(file);
      } catch (HomiParquetException e) {
        throw new HomiReadException(e);
      }
      this.rowGroups = selectRowGroups(plan);
      this.allocator =
          rt.allocator().newChildAllocator("homi-task " + split.path(), 0, Long.MAX_VALUE);
      this.out = new ColumnVector[plan.readSchema().fields().length];
      this.arrow =
          plan.options().output() == HomiOptions.Output.ARROW ? new ArrowBatchOutput() : null;
      int i = 0;
      for (StructField f : plan.readSchema().fields()) {
        if (isMetadata(f, plan)) {
          metadata =
              FileMetadataColumn.of(
                  (org.apache.spark.sql.types.StructType) f.dataType(),
                  split,
                  rowGroupRows(),
                  batchRows);
          out[i++] = metadata;
          continue;
        }
        if (isRowIndexColumn(f)) {
          // SQL on paths (V1 route): Spark's temporary column behind _metadata.row_index, filled as
          // the struct's field.
          metadata =
              FileMetadataColumn.of(
                  new org.apache.spark.sql.types.StructType()
                      .add("row_index", org.apache.spark.sql.types.DataTypes.LongType, false),
                  split,
                  rowGroupRows(),
                  batchRows);
          out[i++] = metadata.getChild(0);
          continue;
        }
        int p = indexOf(plan.partitionSchema().fieldNames(), f.name());
        if (p >= 0) {
          if (arrow != null) arrow.constant(f.name(), f.dataType(), split.partitionValues(), p);
          out[i++] = constant(f.dataType(), p);
          continue;
        }
        ColumnDescriptor c = file.schema().column(f.name());
        if (c == null) {
          if (arrow != null) arrow.constant(f.name(), f.dataType(), null, -1);
          out[i++] = constant(f.dataType(), -1); // a column of the table that this file lacks
          continue;
        }
        try {
          c =
              NestedSchemas.prune(
                  c, f, split.path()); // only the requested leaves of a nested column
        } catch (HomiParquetException e) {
          throw new HomiReadException(e);
        }
        FieldVector v = c.arrowField().createVector(allocator);
        if (arrow != null) arrow.fileColumn(vectors.size());
        fileColumns.add(c);
        vectors.add(v);
        fileSlots.add(i);
        out[i] =
            dictionaries.add(
                v,
                HomiColumnVector.wrap(v),
                i); // unchecked reads for flat types, ArrowColumnVector otherwise
        i++;
      }
      this.gpu = arrow != null ? null : GpuSplitOutput.open(rt, plan.options(), metrics);
      // The GPU decoder reads whole row groups: page selection is for the CPU decoder only.
      // -Dhomi.readPruning=false (executor JVM) turns dictionary and page-index pruning off, for
      // A/B runs.
      this.filter =
          new RowGroupFilter(
              file,
              plan.options().readPruning() ? plan.pruning() : null,
              gpu == null ? fileColumns : List.of());
      // The GPU output reads its row groups itself: fetching them ahead for the CPU would be waste.
      this.pipeline =
          gpu != null
              ? null
              : new RowGroupPipeline<>(
                  file, rowGroups, plan.options().prefetchRowGroups(), this::open);
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  /** Spark's hidden _metadata column, unless the files have a column of that name. */
  private static boolean isMetadata(StructField f, ReadPlan plan) {
    return f.name().equals(FileMetadataColumn.NAME)
        && f.dataType() instanceof org.apache.spark.sql.types.StructType
        && TableSchemas.find(plan.dataSchema(), f.name()) == null;
  }

  /**
   * Spark's temporary row-index column (ParquetFileFormat's), unless the file has a column of that
   * name.
   */
  private boolean isRowIndexColumn(StructField f) {
    return f.name()
            .equals(
                org.apache.spark.sql.execution.datasources.parquet.ParquetFileFormat$.MODULE$
                    .ROW_INDEX_TEMPORARY_COLUMN_NAME())
        && file.schema().column(f.name()) == null;
  }

  private List<Long> rowGroupRows() {
    List<Long> rows = new ArrayList<>();
    for (var rg : file.metadata().getRow_groups()) rows.add(rg.getNum_rows());
    return rows;
  }

  private int[] selectRowGroups(ReadPlan plan) {
    RowGroupStats stats = new RowGroupStats(file.metadata());
    List<Integer> chosen = new ArrayList<>();
    long end = split.start() + split.length();
    int pruned = 0;
    for (int rg = 0; rg < file.rowGroupCount(); rg++) {
      long mid =
          RowGroupStats.midpoint(file.metadata().getRow_groups().get(rg), file.identity().size());
      if (mid < split.start() || mid >= end) continue;
      if (stats.mightMatch(rg, plan.pruning())) chosen.add(rg);
      else pruned++;
    }
    metrics.addRowGroups(chosen.size(), pruned);
    return chosen.stream().mapToInt(Integer::intValue).toArray();
  }

  /**
   * A row group as the pipeline opens it, maybe on a prefetch thread: the pruning decision
   * (dictionary pages, page indexes: read through the file's queue pair) and, unless it skips the
   * row group, the selected pages' bytes. Metrics are recorded when the task takes it.
   */
  private record Opened(RowGroupFilter.Decision decision, RowGroupReader reader)
      implements AutoCloseable {
    @Override
    public void close() {
      if (reader != null) reader.close();
    }
  }

  private Opened open(int rg) throws IOException {
    RowGroupFilter.Decision d = filter.decide(rg);
    return new Opened(d, d.skip() ? null : file.openRowGroup(rg, fileColumns, d.pages()));
  }

  /**
   * Dictionary and page-index pruning of a row group about to be read; reading them is I/O wait.
   */
  private RowGroupFilter.Decision decide(int rg) throws IOException {
    long t0 = System.nanoTime();
    RowGroupFilter.Decision d = filter.decide(rg);
    metrics.addIoNanos(System.nanoTime() - t0);
    record(d);
    return d;
  }

  private void record(RowGroupFilter.Decision d) {
    if (d.prunedByDictionary()) metrics.rowGroupPrunedByDictionary();
    if (d.prunedByPageIndex()) {
      metrics.rowGroupPrunedByPageIndex();
      metrics.addPagesPruned(d.pagesSkipped());
    }
  }

  private ConstantColumnVector constant(DataType type, int partitionIndex) {
    ConstantColumnVector v = new ConstantColumnVector(batchRows, type);
    if (partitionIndex < 0) v.setNull();
    else ColumnVectorUtils.populate(v, split.partitionValues(), partitionIndex);
    constants.add(v);
    return v;
  }

  private static int indexOf(String[] names, String name) {
    for (int i = 0; i < names.length; i++) if (names[i].equalsIgnoreCase(name)) return i;
    return -1;
  }

  /** The next batch, or null at the end of the split. */
  ColumnarBatch next() throws IOException {
    if (gpu != null) gpu.release();
    if (arrow != null) arrow.release();
    while (current == null || current.rowsLeft() == 0) {
      if (current != null) {
        current.close();
        current = null;
      }
      if (pipeline != null) {
        if (!pipeline.hasNext()) return null;
        long t0 = System.nanoTime();
        Opened o = pipeline.next(); // rowGroups in order, filtered and fetched ahead where allowed
        metrics.addIoNanos(System.nanoTime() - t0);
        record(o.decision());
        int rg = rowGroups[pipelined++];
        if (o.reader() == null) continue;
        current = o.reader();
        if (metadata != null)
          metadata.startRowGroup(
              rg, o.decision().pages() == null ? null : o.decision().pages().rows());
        metrics.addPagesPruned(o.decision().pagesSkipped());
        continue;
      }
      if (nextGroup == rowGroups.length) return null;
      int rg = rowGroups[nextGroup++];
      RowGroupFilter.Decision pages = decide(rg);
      if (pages.skip()) continue;
      if (gpu != null) {
        ColumnarBatch b =
            gpu.read(
                file,
                Paths.get(split.path()),
                file.metadata(),
                fileColumns,
                rg,
                out,
                fileSlots.stream().mapToInt(Integer::intValue).toArray(),
                allocator);
        if (b != null) { // whole row groups
          if (metadata != null) {
            metadata.startRowGroup(rg, null);
            metadata.fill(0, b.numRows());
          }
          return b;
        } // else the CPU decodes this row group
      }
      long t0 = System.nanoTime();
      current = file.openRowGroup(rg, fileColumns, pages.pages());
      if (metadata != null)
        metadata.startRowGroup(rg, pages.pages() == null ? null : pages.pages().rows());
      metrics.addIoNanos(System.nanoTime() - t0);
      metrics.addPagesPruned(pages.pagesSkipped());
    }
    long t0 = System.nanoTime();
    int n = (int) Math.min(batchRows, current.rowsLeft());
    for (int k = 0; k < vectors.size(); k++) {
      FieldVector v = vectors.get(k);
      Field f = fileColumns.get(k).arrowField();
      if (!f.getChildren().isEmpty() && !intact(v, f)) {
        // Closing a batch closes struct vectors' children for good: build the column anew.
        v.close();
        v = f.createVector(allocator);
        vectors.set(k, v);
        out[fileSlots.get(k)] = HomiColumnVector.wrap(v);
      }
      prepare(v);
    }
    if (metadata != null) metadata.fill(current.rows() - current.rowsLeft(), n);
    current.read(vectors, dictionaries.batches(), 0, n);
    for (FieldVector v : vectors) v.setValueCount(n);
    dictionaries.choose(out); // ids + dictionary, or values, per column
    metrics.addDecodeNanos(System.nanoTime() - t0);
    metrics.addRows(n);
    if (arrow != null) return arrow.batch(vectors, n); // the decoded buffers move into the batch
    HomiColumnVector.refresh(out); // buffer addresses of this batch
    return new ColumnarBatch(out, n);
  }

  private static boolean intact(FieldVector v, Field f) {
    List<FieldVector> cs = v.getChildrenFromFields();
    if (cs.size() != f.getChildren().size()) return false;
    for (int i = 0; i < cs.size(); i++)
      if (!intact(cs.get(i), f.getChildren().get(i))) return false;
    return true;
  }

  /** Reuses a vector's memory when it still has it (Spark may close batches it is done with). */
  private void prepare(FieldVector v) {
    if (v.getValueCapacity() >= batchRows) {
      v.reset();
    } else {
      v.clear();
      v.setInitialCapacity(batchRows);
      v.allocateNew();
    }
  }

  /**
   * Starts fetching this split's first row group(s), at most {@code budget}, before its first
   * batch.
   */
  void startPrefetch(int budget) {
    if (pipeline != null) pipeline.start(budget);
  }

  /**
   * True when every row group of this split has been fetched or is in flight: the next split may
   * start.
   */
  boolean allFetchesIssued() {
    return pipeline == null || pipeline.allIssued();
  }

  /** Row groups of this split fetched or in flight beyond the one being decoded. */
  int fetchesPending() {
    return pipeline == null ? 0 : pipeline.pending();
  }

  HomiInputPartition.Split split() {
    return split;
  }

  PathStats.Snapshot pathStats() {
    return file.pathStats();
  }

  @Override
  public void close() {
    if (gpu != null) gpu.close();
    if (arrow != null) arrow.close();
    if (pipeline != null) pipeline.close(); // waits for fetches in flight before the file goes
    if (current != null) current.close();
    vectors.forEach(ValueVector::close);
    constants.forEach(ConstantColumnVector::close);
    if (metadata != null) metadata.free();
    if (file != null) file.close();
    if (allocator != null) allocator.close();
  }
}
