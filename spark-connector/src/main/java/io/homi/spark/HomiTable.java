package io.homi.spark;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.apache.hadoop.fs.FileStatus;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.connector.catalog.MetadataColumn;
import org.apache.spark.sql.connector.catalog.SupportsMetadataColumns;
import org.apache.spark.sql.connector.catalog.TableCapability;
import org.apache.spark.sql.connector.expressions.Expressions;
import org.apache.spark.sql.connector.expressions.IdentityTransform;
import org.apache.spark.sql.connector.expressions.Transform;
import org.apache.spark.sql.connector.read.ScanBuilder;
import org.apache.spark.sql.connector.write.LogicalWriteInfo;
import org.apache.spark.sql.connector.write.WriteBuilder;
import org.apache.spark.sql.execution.datasources.FileFormat;
import org.apache.spark.sql.execution.datasources.PartitioningAwareFileIndex;
import org.apache.spark.sql.execution.datasources.parquet.ParquetFileFormat;
import org.apache.spark.sql.execution.datasources.v2.FileTable;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;
import scala.Option;
import scala.jdk.javaapi.CollectionConverters;

/**
 * A set of Parquet files, maybe Hive-partitioned, read through HOMI. A {@link FileTable} so that
 * Spark treats it as the file table it is ({@code inputFiles}, cache refresh by path); files are
 * listed on first use, so a table about to be written may not exist yet. Writes go through Spark's
 * own Parquet writer ({@link ParquetWrites}); {@code _metadata} is Spark's file metadata column
 * ({@link FileMetadataColumn}).
 */
final class HomiTable extends FileTable implements SupportsMetadataColumns {
  private final CaseInsensitiveStringMap options;
  private final StructType
      givenSchema; // inferred or the user's, with or without partition columns; null: infer
  private final Transform[] givenPartitioning;
  private final HomiOptions homiOptions;
  private HomiFileIndex index;
  private StructType schema;
  private StructType dataSchema;

  HomiTable(
      CaseInsensitiveStringMap options,
      StructType givenSchema,
      Transform[] givenPartitioning,
      HomiFileIndex index) {
    // A managed table being created has no path yet: it is needed only once files are read or
    // written.
    super(
        SparkSession.active(),
        options,
        CollectionConverters.asScala(HomiFileIndex.rootsIfAny(options)).toSeq(),
        Option.apply(givenSchema));
    this.options = options;
    this.givenSchema = givenSchema;
    this.givenPartitioning = givenPartitioning == null ? new Transform[0] : givenPartitioning;
    this.index = index;
    this.homiOptions = HomiOptions.from(options);
  }

  private synchronized HomiFileIndex files() {
    if (index == null) index = HomiFileIndex.create(options, givenSchema);
    return index;
  }

  /**
   * A table about to be written: created in the catalog without a path yet, or whose directory does
   * not exist yet. Its schema and partitioning are the ones it is declared with.
   */
  private boolean notWrittenYet() {
    if (index != null || givenSchema == null) return false;
    List<String> roots = HomiFileIndex.rootsIfAny(options);
    for (String r : roots) {
      if (r.matches(".*[*?\\[{].*")) return false; // a glob: Spark's listing decides
      java.nio.file.Path p =
          r.startsWith("file:")
              ? java.nio.file.Paths.get(java.net.URI.create(r))
              : java.nio.file.Paths.get(r);
      if (java.nio.file.Files.exists(p)) return false;
    }
    return true;
  }

  private synchronized void resolveSchemas() {
    if (schema != null) return;
    if (notWrittenYet()) {
      List<String> parts = declaredPartitionColumns();
      List<StructField> data = new ArrayList<>();
      for (StructField f : givenSchema.fields()) if (!parts.contains(f.name())) data.add(f);
      dataSchema = new StructType(data.toArray(new StructField[0]));
      schema = givenSchema;
      return;
    }
    StructType partition = files().partitionSchema();
    StructType data =
        givenSchema != null
            ? TableSchemas.dataOnly(givenSchema, partition)
            : TableSchemas.inferData(files().files(), options, homiOptions);
    dataSchema = data;
    schema = TableSchemas.full(data, partition);
  }

  @Override
  public String name() {
    return "homi " + String.join(",", HomiFileIndex.rootsIfAny(options));
  }

  @Override
  public PartitioningAwareFileIndex fileIndex() {
    return files().spark();
  }

  @Override
  public StructType schema() {
    resolveSchemas();
    return schema;
  }

  @Override
  public StructType dataSchema() {
    resolveSchemas();
    return dataSchema;
  }

  @Override
  public Transform[] partitioning() {
    if (notWrittenYet()) return givenPartitioning.clone();
    StructField[] p = files().partitionSchema().fields();
    if (p.length == 0) return givenPartitioning.clone(); // a table not written yet
    Transform[] t = new Transform[p.length];
    for (int i = 0; i < p.length; i++) t[i] = Expressions.identity(p[i].name());
    return t;
  }

  private List<String> declaredPartitionColumns() {
    List<String> out = new ArrayList<>();
    for (Transform t : givenPartitioning) {
      if (t instanceof IdentityTransform id) out.add(String.join(".", id.reference().fieldNames()));
    }
    return out;
  }

  /**
   * Partition columns a write lays out: the directories' own, else those the table was declared
   * with.
   */
  List<String> partitionColumns() {
    List<String> out = new ArrayList<>();
    for (Transform t : partitioning()) {
      if (t instanceof IdentityTransform id) out.add(String.join(".", id.reference().fieldNames()));
      else
        throw new IllegalArgumentException(
            "homi writes partition by columns only, not " + t.describe());
    }
    return out;
  }

  @Override
  public java.util.Map<String, String> properties() {
    return options.asCaseSensitiveMap();
  }

  /**
   * No BATCH_WRITE: {@code df.write.format("homi").save(path)} then takes Spark's V1 write path
   * ({@link HomiDataSource#createRelation}), with every save mode as for parquet. Catalog writes
   * (saveAsTable, INSERT INTO) reach {@link #newWriteBuilder}.
   */
  @Override
  public Set<TableCapability> capabilities() {
    return EnumSet.of(
        TableCapability.BATCH_READ, TableCapability.V1_BATCH_WRITE, TableCapability.TRUNCATE);
  }

  @Override
  public MetadataColumn[] metadataColumns() {
    return new MetadataColumn[] {FileMetadataColumn.COLUMN};
  }

  @Override
  public Option<StructType> inferSchema(scala.collection.immutable.Seq<FileStatus> files) {
    return Option.apply(dataSchema());
  }

  @Override
  public String formatName() {
    return "homi";
  }

  /**
   * What Spark falls back to for INSERT INTO: the files are Parquet, written by Spark's Parquet
   * writer.
   */
  @Override
  public Class<? extends FileFormat> fallbackFileFormat() {
    return ParquetFileFormat.class;
  }

  @Override
  public ScanBuilder newScanBuilder(CaseInsensitiveStringMap ignored) {
    resolveSchemas();
    HomiFileIndex f = files();
    return new HomiScanBuilder(
        new ScanContext(schema, dataSchema, f.partitionSchema(), f, homiOptions));
  }

  @Override
  public WriteBuilder newWriteBuilder(LogicalWriteInfo info) {
    return ParquetWrites.builder(this, info);
  }

  /** The one directory writes go to. */
  String writePath() {
    List<String> roots = HomiFileIndex.roots(options);
    if (roots.size() != 1)
      throw new IllegalArgumentException("homi writes need exactly one path, not " + roots);
    return roots.get(0);
  }

  CaseInsensitiveStringMap options() {
    return options;
  }
}
