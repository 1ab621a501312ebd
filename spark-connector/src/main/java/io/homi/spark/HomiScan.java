package io.homi.spark;

import io.homi.runtime.HomiRuntime;
import io.homi.runtime.parquet.ParquetFileReader;
import io.homi.runtime.stats.RowGroupPruner;
import io.homi.runtime.stats.StatsPredicate;
import io.homi.runtime.stats.ValueStats;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalLong;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.connector.expressions.filter.Predicate;
import org.apache.spark.sql.connector.metric.CustomMetric;
import org.apache.spark.sql.connector.read.Batch;
import org.apache.spark.sql.connector.read.InputPartition;
import org.apache.spark.sql.connector.read.PartitionReaderFactory;
import org.apache.spark.sql.connector.read.Scan;
import org.apache.spark.sql.connector.read.Statistics;
import org.apache.spark.sql.connector.read.SupportsReportStatistics;
import org.apache.spark.sql.execution.PartitionedFileUtil$;
import org.apache.spark.sql.execution.datasources.FilePartition;
import org.apache.spark.sql.execution.datasources.FilePartition$;
import org.apache.spark.sql.execution.datasources.FileStatusWithMetadata;
import org.apache.spark.sql.execution.datasources.PartitionDirectory;
import org.apache.spark.sql.execution.datasources.PartitionedFile;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Plans the read like Spark's file sources: partition directories pruned by the pushed predicates,
 * files split into byte ranges of Spark's maxSplitBytes and packed into tasks by Spark's own
 * FilePartition code (maxPartitionBytes, openCostInBytes, min/max partition numbers). Row groups
 * are chosen on the executors, from the footer they read anyway.
 */
final class HomiScan
    implements Scan,
        Batch,
        SupportsReportStatistics,
        org.apache.spark.sql.connector.read.SupportsRuntimeV2Filtering {
  private static final Logger LOG = LoggerFactory.getLogger(HomiScan.class);
  private final ScanContext table;
  private InputPartition[] planned;
  private final StructType readSchema;
  private final Predicate[] pushed;
  private final StatsPredicate pruning;
  private final List<Predicate>
      fileFilters; // on _metadata's file fields: files that cannot match are not read
  private List<PartitionDirectory> selected;
  private StatsPredicate runtime =
      StatsPredicate.TRUE; // runtime filters (dynamic partition pruning)

  private final int limit; // pushed LIMIT, or -1
  private final List<Predicate>
      partitionFilters; // exact on partition values (PartitionFilter), not re-checked by Spark
  private final PushedAggregate
      aggregate; // each file answers one row of partial aggregates, or null
  private final boolean
      rapidsBridge; // batches of RAPIDS GPU columns (RapidsBridgeRule), else the table's output

  HomiScan(
      ScanContext table,
      StructType readSchema,
      Predicate[] pushed,
      StatsPredicate pruning,
      List<Predicate> fileFilters,
      int limit,
      PushedAggregate aggregate,
      List<Predicate> partitionFilters) {
    this(
        table, readSchema, pushed, pruning, fileFilters, limit, aggregate, partitionFilters, false);
  }

  private HomiScan(
      ScanContext table,
      StructType readSchema,
      Predicate[] pushed,
      StatsPredicate pruning,
      List<Predicate> fileFilters,
      int limit,
      PushedAggregate aggregate,
      List<Predicate> partitionFilters,
      boolean rapidsBridge) {
    this.rapidsBridge = rapidsBridge;
    this.table = table;
    this.partitionFilters = partitionFilters;
    this.aggregate = aggregate;
    this.limit = limit;
    this.fileFilters = fileFilters;
    this.readSchema = readSchema;
    this.pushed = pushed;
    this.pruning = pruning;
  }

  /**
   * This scan (same files, tasks and filters) with readers that decode on the GPU and emit RAPIDS
   * {@code GpuColumnVector} batches ({@link RapidsBridgeReader}): what {@link RapidsBridgeRule}
   * puts in place of {@code HostColumnarToGpu} over this scan.
   */
  HomiScan forRapidsBridge() {
    HomiScan s =
        new HomiScan(
            table,
            readSchema,
            pushed,
            pruning,
            fileFilters,
            limit,
            aggregate,
            partitionFilters,
            true);
    s.planned = planned;
    s.selected = selected;
    s.runtime = runtime;
    return s;
  }

  boolean isRapidsBridge() {
    return rapidsBridge;
  }

  /** The scan's options (as planned: output mode, {@code homi.rapidsBridge}, ...). */
  HomiOptions options() {
    return table.options();
  }

  @Override
  public StructType readSchema() {
    return readSchema;
  }

  @Override
  public String description() {
    String filters =
        Arrays.stream(pushed).map(Predicate::toString).collect(Collectors.joining(", ", "[", "]"));
    String options =
        rapidsBridge
            ? table.options().forRapidsBridge() + ", RAPIDS bridge: GPU columns"
            : table.options().toString();
    return "HomiScan "
        + table.files().roots()
        + " ["
        + options
        + "] PushedFilters: "
        + filters
        + (limit >= 0 ? " PushedLimit: " + limit : "")
        + (aggregate != null ? aggregate.describe() : "")
        + " PartitionSchema: "
        + table.partitionSchema().catalogString()
        + " ReadSchema: "
        + readSchema.catalogString();
  }

  @Override
  public Batch toBatch() {
    return this;
  }

  /** Partition directories that can hold a matching row, judged on their partition values alone. */
  private List<PartitionDirectory> selected() {
    if (selected == null) {
      List<PartitionDirectory> out = new ArrayList<>();
      for (PartitionDirectory d : table.files().partitions()) {
        if (!RowGroupPruner.mightMatch(pruning, partitionValueStats(d.values()))) continue;
        if (!PartitionFilter.matches(partitionFilters, table.partitionSchema(), d.values()))
          continue;
        if (!RowGroupPruner.mightMatch(runtime, partitionValueStats(d.values()))) continue;
        if (fileFilters.isEmpty()) {
          out.add(d);
          continue;
        }
        List<FileStatusWithMetadata> files = new ArrayList<>();
        for (FileStatusWithMetadata f : CollectionConverters.asJava(d.files())) {
          if (MetadataFilter.mightMatch(fileFilters, f)) files.add(f);
        }
        if (!files.isEmpty())
          out.add(new PartitionDirectory(d.values(), CollectionConverters.asScala(files).toSeq()));
      }
      selected = out;
    }
    return selected;
  }

  /** A partition's values as degenerate statistics (min = max = value); data columns unknown. */
  private Function<String, ValueStats> partitionValueStats(InternalRow values) {
    StructField[] fields = table.partitionSchema().fields();
    return name -> {
      for (int i = 0; i < fields.length; i++) {
        if (!fields[i].name().equalsIgnoreCase(name)) continue;
        if (values.isNullAt(i)) return new ValueStats(null, null, 1, 1, true);
        Object v = HomiPredicates.value(values.get(i, fields[i].dataType()), fields[i].dataType());
        return v == null ? null : new ValueStats(v, v, 0, 1, true);
      }
      return null;
    };
  }

  /**
   * Partition columns only: Spark's dynamic partition pruning then hands this scan, at run time,
   * the join keys the other side kept (an IN over a broadcast's values, or a subquery's), and
   * partition directories that cannot hold them are not read. Pruning only: the join still applies
   * the condition, so a predicate that cannot be translated simply prunes nothing.
   */
  @Override
  public org.apache.spark.sql.connector.expressions.NamedReference[] filterAttributes() {
    return Arrays.stream(table.partitionSchema().fieldNames())
        .map(org.apache.spark.sql.connector.expressions.Expressions::column)
        .toArray(org.apache.spark.sql.connector.expressions.NamedReference[]::new);
  }

  @Override
  public void filter(Predicate[] predicates) {
    StatsPredicate all = runtime;
    for (Predicate p : predicates) {
      StatsPredicate s = HomiPredicates.translate(p, table.partitionSchema());
      if (s != null) all = all == StatsPredicate.TRUE ? s : new StatsPredicate.And(all, s);
    }
    if (all == runtime) return;
    runtime = all;
    int before = selected == null ? -1 : selected.size();
    selected = null; // choose the partitions and plan the splits again
    planned = null;
    LOG.info(
        "homi scan of {}: runtime filter {} keeps {} of {} partition directories",
        table.files().roots(),
        Arrays.toString(predicates),
        selected().size(),
        before < 0 ? table.files().partitions().size() : before);
  }

  @Override
  public InputPartition[] planInputPartitions() {
    // Spark asks more than once for the same scan; list and split the files once.
    if (planned == null) planned = plan();
    return planned;
  }

  private InputPartition[] plan() {
    SparkSession spark = SparkSession.active();
    scala.collection.immutable.Seq<PartitionDirectory> dirs =
        CollectionConverters.asScala(selected()).toSeq();
    long maxSplitBytes = FilePartition$.MODULE$.maxSplitBytes(spark, dirs);
    List<PartitionedFile> splits = new ArrayList<>();
    // A pushed aggregate reads each file's footer once: files are not split (as Spark's
    // ParquetScan).
    boolean splittable = aggregate == null;
    for (PartitionDirectory d : selected()) {
      for (FileStatusWithMetadata f : CollectionConverters.asJava(d.files())) {
        splits.addAll(
            CollectionConverters.asJava(
                PartitionedFileUtil$.MODULE$.splitFiles(
                    f, f.getPath(), splittable, maxSplitBytes, d.values())));
      }
    }
    // Spark packs the largest splits first; the same order keeps task sizes like Spark's.
    splits.sort((a, b) -> Long.compare(b.length(), a.length()));
    List<FilePartition> packed =
        CollectionConverters.asJava(
            FilePartition$.MODULE$.getFilePartitions(
                spark, CollectionConverters.asScala(splits).toSeq(), maxSplitBytes));
    InputPartition[] out = new InputPartition[packed.size()];
    for (int i = 0; i < out.length; i++) {
      FilePartition p = packed.get(i);
      HomiInputPartition.Split[] taskSplits = new HomiInputPartition.Split[p.files().length];
      for (int j = 0; j < taskSplits.length; j++) {
        PartitionedFile f = p.files()[j];
        taskSplits[j] =
            new HomiInputPartition.Split(
                HomiFileIndex.local(f.toPath()).toString(),
                f.start(),
                f.length(),
                f.fileSize(),
                f.modificationTime(),
                f.partitionValues().copy(),
                f.urlEncodedPath());
      }
      out[i] = new HomiInputPartition(taskSplits, p.preferredLocations());
    }
    LOG.info(
        "homi scan of {}: {} file split(s) in {} task(s), columns {}, {}",
        table.files().roots(),
        splits.size(),
        out.length,
        String.join(",", readSchema.fieldNames()),
        table.options());
    if (LOG.isDebugEnabled())
      for (PartitionedFile f : splits)
        LOG.debug("homi split {} [{}, +{})", f.toPath(), f.start(), f.length());
    return out;
  }

  @Override
  public PartitionReaderFactory createReaderFactory() {
    return new HomiReaderFactory(
        new ReadPlan(
            readSchema,
            table.dataSchema(),
            table.partitionSchema(),
            pruning,
            rapidsBridge ? table.options().forRapidsBridge() : table.options()),
        table.files().fileErrors(),
        limit,
        aggregate,
        rapidsBridge);
  }

  /** Size of the selected files, and rows from their footers (read through the runtime). */
  @Override
  public Statistics estimateStatistics() {
    long bytes = 0;
    long rows = 0;
    for (PartitionDirectory d : selected()) {
      for (FileStatusWithMetadata f : CollectionConverters.asJava(d.files())) {
        bytes += f.getLen();
        try (ParquetFileReader r =
            ParquetFileReader.open(
                HomiRuntime.get(), HomiFileIndex.local(f.getPath()), table.options().config())) {
          rows += r.metadata().getNum_rows();
        } catch (IOException e) {
          throw new UncheckedIOException(e.getMessage(), e);
        }
      }
    }
    long size = bytes;
    long count = rows;
    return new Statistics() {
      @Override
      public OptionalLong sizeInBytes() {
        return OptionalLong.of(size);
      }

      @Override
      public OptionalLong numRows() {
        // With a pushed aggregate the scan returns one row per file, not the table's rows.
        return aggregate != null ? OptionalLong.empty() : OptionalLong.of(count);
      }
    };
  }

  @Override
  public CustomMetric[] supportedCustomMetrics() {
    return HomiMetrics.supported();
  }
}
