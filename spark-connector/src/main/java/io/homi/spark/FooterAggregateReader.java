package io.homi.spark;

import io.homi.runtime.HomiRuntime;
import io.homi.runtime.parquet.ColumnDescriptor;
import io.homi.runtime.parquet.HomiParquetException;
import io.homi.runtime.parquet.ParquetFileReader;
import io.homi.runtime.stats.RowGroupStats;
import io.homi.runtime.stats.StatsPredicate;
import io.homi.runtime.stats.ValueStats;
import io.homi.runtime.stats.WriterVersion;
import java.io.IOException;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.parquet.format.LogicalType;
import org.apache.parquet.format.SchemaElement;
import org.apache.parquet.format.Type;
import org.apache.spark.rdd.InputFileBlockHolder;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.util.SQLOrderingUtil;
import org.apache.spark.sql.connector.read.PartitionReader;
import org.apache.spark.sql.types.BooleanType;
import org.apache.spark.sql.types.ByteType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DateType;
import org.apache.spark.sql.types.DoubleType;
import org.apache.spark.sql.types.FloatType;
import org.apache.spark.sql.types.IntegerType;
import org.apache.spark.sql.types.LongType;
import org.apache.spark.sql.types.ShortType;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.vectorized.ColumnVector;
import org.apache.spark.sql.vectorized.ColumnarBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A task of a scan with a pushed aggregate ({@link PushedAggregate}): one row per file, from the
 * footer where it proves the answer, else from the column's values.
 *
 * <p>From the footer: COUNT(*) is the row groups' row counts; COUNT(c) of a top-level primitive
 * column is rows minus the chunks' null counts; MIN/MAX of a boolean, integral or date column are
 * the chunks' exact bounds (a chunk whose values are all null adds nothing). A column falls back to
 * reading its values, in the same task, when any row group lacks what it needs (no statistics, no
 * null count, inexact or unusable bounds: unsigned, an annotation Spark reads differently, a date
 * before 1582-10-15 that a legacy-calendar file may have rebased), when it is a byte-array column
 * whose writer parquet-java distrusts ({@link WriterVersion}: PARQUET-251), and MIN/MAX of float
 * and double always do: writers ignore a NaN in the bounds (parquet-mr compares with {@code <}),
 * while Spark's MAX returns NaN. A column the file lacks is null in every row.
 */
final class FooterAggregateReader implements PartitionReader<InternalRow> {
  private static final Logger LOG = LoggerFactory.getLogger(FooterAggregateReader.class);

  /** 1582-10-15 in days since the epoch: dates from here on are the same in both calendars. */
  private static final long GREGORIAN_START_DAYS = -141427;

  private final HomiInputPartition part;
  private final PushedAggregate agg;
  private final ReadPlan plan; // data and partition schemas, options
  private final FileErrors errors;
  private final HomiMetrics.Task metrics = new HomiMetrics.Task();
  private int next;
  private InternalRow current;

  FooterAggregateReader(
      HomiInputPartition part, PushedAggregate agg, ReadPlan plan, FileErrors errors) {
    this.part = part;
    this.agg = agg;
    this.plan = plan;
    this.errors = errors;
  }

  @Override
  public boolean next() throws IOException {
    while (next < part.splits().length) {
      HomiInputPartition.Split s = part.splits()[next++];
      InputFileBlockHolder.set(s.urlPath(), s.start(), s.length());
      try {
        current = answer(s);
        return true;
      } catch (IOException | RuntimeException e) {
        if (!errors.skips(e))
          throw e instanceof IOException io ? new HomiReadException(io) : (RuntimeException) e;
        LOG.warn(
            "homi: skipped {} (ignoreCorruptFiles / ignoreMissingFiles): {}",
            s.path(),
            e.toString());
      }
    }
    return false;
  }

  @Override
  public InternalRow get() {
    return current;
  }

  /** The file's row: group-by values, then each aggregate. */
  private InternalRow answer(HomiInputPartition.Split s) throws IOException {
    List<PushedAggregate.Item> groups = agg.groupBy();
    List<PushedAggregate.Item> aggs = agg.aggregates();
    Object[] row = new Object[groups.size() + aggs.size()];
    for (int i = 0; i < groups.size(); i++) row[i] = partitionValue(s, groups.get(i));
    Map<String, List<Integer>> fallback =
        new LinkedHashMap<>(); // column -> output slots read from values
    long rows;
    try (ParquetFileReader file =
        ParquetFileReader.open(HomiRuntime.get(), Paths.get(s.path()), plan.options().config())) {
      if (file.identity().size() != s.plannedSize()
          || file.identity().mtimeNanos() / 1_000_000 != s.plannedMtimeMillis()) {
        throw new HomiReadException(
            new HomiParquetException("file changed since the scan was planned: " + s.path()));
      }
      try {
        StoredSparkSchema.check(file);
      } catch (HomiParquetException e) {
        throw new HomiReadException(e);
      }
      metrics.fileDone(file.pathStats());
      rows = file.metadata().getNum_rows();
      RowGroupStats stats = new RowGroupStats(file.metadata());
      for (int i = 0; i < aggs.size(); i++) {
        PushedAggregate.Item it = aggs.get(i);
        int slot = groups.size() + i;
        if (it.kind() == PushedAggregate.Kind.COUNT_STAR) {
          row[slot] = rows;
        } else if (it.partitionIndex() >= 0) {
          boolean isNull = s.partitionValues().isNullAt(it.partitionIndex());
          if (it.kind() == PushedAggregate.Kind.COUNT) row[slot] = isNull ? 0L : rows;
          else row[slot] = isNull || rows == 0 ? null : partitionValue(s, it);
        } else if (file.schema().column(it.column()) == null) {
          row[slot] =
              it.kind() == PushedAggregate.Kind.COUNT
                  ? 0L
                  : null; // a column this file lacks: all null
        } else {
          Object v = fromFooter(file, stats, it, rows);
          if (v == NEEDS_VALUES)
            fallback.computeIfAbsent(it.column(), k -> new ArrayList<>()).add(slot);
          else row[slot] = v;
        }
      }
    }
    metrics.footerAggregate(fallback.isEmpty());
    if (!fallback.isEmpty()) fromValues(s, fallback, row);
    return new GenericInternalRow(row);
  }

  private static Object partitionValue(HomiInputPartition.Split s, PushedAggregate.Item it) {
    InternalRow v = s.partitionValues();
    return v.isNullAt(it.partitionIndex()) ? null : v.get(it.partitionIndex(), it.type());
  }

  private static final Object NEEDS_VALUES = new Object();
  private static final Object NO_VALUE = new Object();

  /** The file's answer for one data-column aggregate from its footer, or NEEDS_VALUES. */
  private static Object fromFooter(
      ParquetFileReader file, RowGroupStats stats, PushedAggregate.Item it, long rows) {
    Integer leaf = stats.leaf(it.column());
    ColumnDescriptor c = file.schema().column(it.column());
    if (leaf == null || c.isNested() || c.maxRepetitionLevel() != 0) return NEEDS_VALUES;
    if ((c.physicalType() == Type.BYTE_ARRAY || c.physicalType() == Type.FIXED_LEN_BYTE_ARRAY)
        && !WriterVersion.byteArrayStatisticsTrusted(file.metadata().getCreated_by())) {
      return NEEDS_VALUES; // PARQUET-251: parquet-java ignores these statistics, null counts too
    }
    int groups = file.rowGroupCount();
    if (it.kind() == PushedAggregate.Kind.COUNT) {
      long nulls = 0;
      for (int rg = 0; rg < groups; rg++) {
        if (file.rowCount(rg) == 0) continue;
        ValueStats r = stats.valueStats(rg).apply(it.column());
        if (r == null || r.nullCount() < 0) return NEEDS_VALUES;
        nulls += r.nullCount();
      }
      return rows - nulls;
    }
    if (!footerBoundsUsable(it.type(), c.physicalType(), stats.element(leaf))) return NEEDS_VALUES;
    Object best = NO_VALUE;
    boolean max = it.kind() == PushedAggregate.Kind.MAX;
    for (int rg = 0; rg < groups; rg++) {
      if (file.rowCount(rg) == 0) continue;
      ValueStats r = stats.valueStats(rg).apply(it.column());
      if (r == null) return NEEDS_VALUES;
      if (r.allNull()) continue;
      if (!r.hasBounds() || !r.exact()) return NEEDS_VALUES;
      Object v = max ? r.max() : r.min();
      if (it.type() instanceof DateType && ((Long) r.min()) < GREGORIAN_START_DAYS)
        return NEEDS_VALUES;
      if (best == NO_VALUE || compareFooter(v, best) * (max ? 1 : -1) > 0) best = v;
    }
    return best == NO_VALUE ? null : toSpark(best, it.type());
  }

  /**
   * Whether a chunk's bounds are this Spark column's values: the physical type and annotation Spark
   * reads plainly.
   */
  private static boolean footerBoundsUsable(DataType t, Type physical, SchemaElement e) {
    if (t instanceof FloatType || t instanceof DoubleType) return false; // NaN is not in the bounds
    LogicalType lt = e.isSetLogicalType() ? e.getLogicalType() : null;
    boolean plainInt =
        (lt == null || (lt.isSetINTEGER() && lt.getINTEGER().isIsSigned()))
                && !e.isSetConverted_type()
            || (e.isSetConverted_type()
                && switch (e.getConverted_type()) {
                  case INT_8, INT_16, INT_32, INT_64 -> true;
                  default -> false;
                }
                && (lt == null || lt.isSetINTEGER()));
    if (t instanceof BooleanType) return physical == Type.BOOLEAN;
    if (t instanceof DateType) {
      return physical == Type.INT32
          && (lt != null
              ? lt.isSetDATE()
              : e.isSetConverted_type()
                  && e.getConverted_type() == org.apache.parquet.format.ConvertedType.DATE);
    }
    if (t instanceof ByteType || t instanceof ShortType || t instanceof IntegerType)
      return physical == Type.INT32 && plainInt;
    if (t instanceof LongType)
      return (physical == Type.INT32 || physical == Type.INT64) && plainInt;
    return false;
  }

  private static int compareFooter(Object a, Object b) {
    if (a instanceof Boolean x) return Boolean.compare(x, (Boolean) b);
    return Long.compare((Long) a, (Long) b);
  }

  private static Object toSpark(Object v, DataType t) {
    if (v instanceof Boolean) return v;
    long l = (Long) v;
    if (t instanceof ByteType) return (byte) l;
    if (t instanceof ShortType) return (short) l;
    if (t instanceof IntegerType || t instanceof DateType) return (int) l;
    return l;
  }

  /** Reads the columns the footer could not answer for, whole file, and aggregates their values. */
  private void fromValues(
      HomiInputPartition.Split s, Map<String, List<Integer>> columns, Object[] row)
      throws IOException {
    StructType read = new StructType();
    for (String c : columns.keySet()) read = read.add(TableSchemas.find(plan.dataSchema(), c));
    ReadPlan whole =
        new ReadPlan(
            read, plan.dataSchema(), plan.partitionSchema(), StatsPredicate.TRUE, plan.options());
    HomiInputPartition.Split all =
        new HomiInputPartition.Split(
            s.path(),
            0,
            s.plannedSize(),
            s.plannedSize(),
            s.plannedMtimeMillis(),
            s.partitionValues(),
            s.urlPath());
    List<PushedAggregate.Item> aggs = agg.aggregates();
    int base = agg.groupBy().size();
    long[] counts = new long[row.length];
    Object[] best = new Object[row.length];
    try (FileSplitReader r = new FileSplitReader(all, whole, metrics)) {
      try {
        for (ColumnarBatch b = r.next(); b != null; b = r.next()) {
          int col = 0;
          for (List<Integer> slots : columns.values()) {
            ColumnVector v = b.column(col++);
            for (int slot : slots) {
              PushedAggregate.Item it = aggs.get(slot - base);
              for (int i = 0; i < b.numRows(); i++) {
                if (v.isNullAt(i)) continue;
                if (it.kind() == PushedAggregate.Kind.COUNT) {
                  counts[slot]++;
                  continue;
                }
                Object x = value(v, i, it.type());
                if (best[slot] == null
                    || compareValues(x, best[slot], it.type())
                            * (it.kind() == PushedAggregate.Kind.MAX ? 1 : -1)
                        > 0) {
                  best[slot] = x;
                }
              }
            }
          }
        }
      } finally {
        metrics.fileDone(r.pathStats());
      }
    }
    for (List<Integer> slots : columns.values()) {
      for (int slot : slots)
        row[slot] =
            aggs.get(slot - base).kind() == PushedAggregate.Kind.COUNT ? counts[slot] : best[slot];
    }
  }

  private static Object value(ColumnVector v, int i, DataType t) {
    if (t instanceof BooleanType) return v.getBoolean(i);
    if (t instanceof ByteType) return v.getByte(i);
    if (t instanceof ShortType) return v.getShort(i);
    if (t instanceof IntegerType || t instanceof DateType) return v.getInt(i);
    if (t instanceof LongType) return v.getLong(i);
    if (t instanceof FloatType) return v.getFloat(i);
    if (t instanceof DoubleType) return v.getDouble(i);
    throw new IllegalStateException(
        "homi: no MIN/MAX for " + t); // PushedAggregate refuses other types
  }

  /** Spark's order: NaN above every number, -0.0 equal to 0.0 (SQLOrderingUtil). */
  @SuppressWarnings("unchecked")
  private static int compareValues(Object a, Object b, DataType t) {
    if (t instanceof DoubleType) return SQLOrderingUtil.compareDoubles((Double) a, (Double) b);
    if (t instanceof FloatType) return SQLOrderingUtil.compareFloats((Float) a, (Float) b);
    return ((Comparable<Object>) a).compareTo(b);
  }

  @Override
  public org.apache.spark.sql.connector.metric.CustomTaskMetric[] currentMetricsValues() {
    return metrics.values(null);
  }

  @Override
  public void close() {
    InputFileBlockHolder.unset();
  }
}
