package io.homi.spark;

import io.homi.runtime.stats.StatsPredicate;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.connector.expressions.filter.Predicate;
import org.apache.spark.sql.connector.read.Scan;
import org.apache.spark.sql.connector.read.ScanBuilder;
import org.apache.spark.sql.connector.read.SupportsPushDownRequiredColumns;
import org.apache.spark.sql.connector.read.SupportsPushDownV2Filters;
import org.apache.spark.sql.types.StructType;

/**
 * Column pruning and predicate pushdown. Pushed predicates only prune (partitions, row groups); all
 * of them are handed back to Spark as post-scan filters, so results never depend on how much the
 * statistics could prove, except simple predicates on partition columns alone, which the scan
 * evaluates exactly per partition directory ({@link PartitionFilter}).
 */
final class HomiScanBuilder
    implements ScanBuilder,
        SupportsPushDownRequiredColumns,
        SupportsPushDownV2Filters,
        org.apache.spark.sql.connector.read.SupportsPushDownLimit,
        org.apache.spark.sql.connector.read.SupportsPushDownAggregates {
  private final ScanContext table;
  private StructType readSchema;
  private Predicate[] pushed = new Predicate[0];
  private StatsPredicate pruning = StatsPredicate.TRUE;
  private final List<Predicate> fileFilters = new ArrayList<>(); // on _metadata's file fields
  private final List<Predicate> partitionFilters =
      new ArrayList<>(); // exact on partition values: not handed back
  private PushedAggregate
      aggregate; // MIN/MAX/COUNT answered per file (homi.aggregatePushdown), or null
  private int limit =
      -1; // rows a task may stop after (LIMIT with no filter left above the scan), or -1

  HomiScanBuilder(ScanContext table) {
    this.table = table;
    this.readSchema = table.schema();
  }

  @Override
  public void pruneColumns(StructType requiredSchema) {
    // Spark prunes inside structs too (nested schema pruning, also through arrays and map
    // values): the scan reads exactly the requested fields (NestedSchemas, NestedPruning).
    org.apache.spark.sql.types.StructField[] fs = requiredSchema.fields().clone();
    for (int i = 0; i < fs.length; i++) {
      org.apache.spark.sql.types.StructField full = TableSchemas.find(table.schema(), fs[i].name());
      if (full != null && !(full.dataType() instanceof org.apache.spark.sql.types.AtomicType)) {
        fs[i] =
            fs[i].copy(
                fs[i].name(),
                NestedSchemas.readType(fs[i].dataType(), full.dataType()),
                fs[i].nullable(),
                fs[i].metadata());
      }
    }
    this.readSchema = new StructType(fs);
  }

  @Override
  public Predicate[] pushPredicates(Predicate[] predicates) {
    List<Predicate> used = new ArrayList<>();
    StatsPredicate all = StatsPredicate.TRUE;
    fileFilters.clear();
    partitionFilters.clear();
    List<Predicate> postScan = new ArrayList<>();
    for (Predicate p : predicates) {
      if (PartitionFilter.isExact(p, table.partitionSchema())) {
        partitionFilters.add(
            p); // the scan reads only partitions where it is TRUE: Spark need not check it again
        used.add(p);
        continue;
      }
      postScan.add(p);
      if (MetadataFilter.isFileFilter(p)) {
        fileFilters.add(p);
        used.add(p);
        continue;
      }
      StatsPredicate s = HomiPredicates.translate(p, table.schema());
      if (s == null) continue;
      used.add(p);
      all = all == StatsPredicate.TRUE ? s : new StatsPredicate.And(all, s);
    }
    pushed = used.toArray(new Predicate[0]);
    pruning = all;
    return postScan.toArray(new Predicate[0]);
  }

  @Override
  public Predicate[] pushedPredicates() {
    return pushed;
  }

  /**
   * Spark pushes a LIMIT only where nothing is left to filter above the scan (every predicate is
   * handed back as a post-scan filter, so a filtered query never gets here): each task then stops
   * fetching row groups once it has returned that many rows. Partial: Spark still applies the LIMIT
   * to what the tasks return.
   */
  @Override
  public boolean pushLimit(int limit) {
    this.limit = limit;
    return true;
  }

  @Override
  public boolean isPartiallyPushed() {
    return true;
  }

  /**
   * Which aggregates this scan takes ({@code homi.aggregatePushdown}: auto, on, off): the homi
   * setting where given; else Spark's switch for its Parquet V2 scan, {@code
   * spark.sql.parquet.aggregatePushdown}, where the user set it (true = on, false = off), so that a
   * session that chose for parquet gets the same for homi; else auto. The rules per mode are {@link
   * PushedAggregate}'s. Spark offers an aggregate only over a scan with no filter left above it: a
   * filter on data columns is handed back ({@link #pushPredicates}), so such a query keeps Spark's
   * aggregate over rows; one evaluated exactly on partition columns is not.
   */
  @Override
  public boolean pushAggregation(
      org.apache.spark.sql.connector.expressions.aggregate.Aggregation aggregation) {
    PushedAggregate.Mode mode = aggregateMode(table.options());
    if (mode == PushedAggregate.Mode.OFF) return false;
    if (!fileFilters.isEmpty())
      return false; // _metadata filters select files at planning, as rows would
    aggregate = PushedAggregate.of(aggregation, table.dataSchema(), table.partitionSchema(), mode);
    return aggregate != null;
  }

  /** The scan's aggregate pushdown mode: see {@link #pushAggregation}. */
  static PushedAggregate.Mode aggregateMode(HomiOptions options) {
    String given = options.aggregatePushdownGiven();
    if (given == null) {
      org.apache.spark.sql.internal.SQLConf conf = org.apache.spark.sql.internal.SQLConf.get();
      if (!conf.contains(
          org.apache.spark.sql.internal.SQLConf.PARQUET_AGGREGATE_PUSHDOWN_ENABLED().key())) {
        return PushedAggregate.Mode.AUTO;
      }
      return conf.parquetAggregatePushDown() ? PushedAggregate.Mode.ON : PushedAggregate.Mode.OFF;
    }
    return PushedAggregate.Mode.valueOf(given.toUpperCase(java.util.Locale.ROOT));
  }

  @Override
  public Scan build() {
    if (aggregate != null) {
      return new HomiScan(
          table,
          aggregate.schema(),
          pushed,
          pruning,
          List.copyOf(fileFilters),
          -1,
          aggregate,
          List.copyOf(partitionFilters));
    }
    return new HomiScan(
        table,
        readSchema,
        pushed,
        pruning,
        List.copyOf(fileFilters),
        limit,
        null,
        List.copyOf(partitionFilters));
  }
}
