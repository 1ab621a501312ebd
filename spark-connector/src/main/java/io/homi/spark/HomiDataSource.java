package io.homi.spark;

import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.mapreduce.Job;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SQLContext;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.connector.catalog.Table;
import org.apache.spark.sql.connector.catalog.TableProvider;
import org.apache.spark.sql.connector.expressions.Transform;
import org.apache.spark.sql.execution.datasources.FileFormat;
import org.apache.spark.sql.execution.datasources.OutputWriterFactory;
import org.apache.spark.sql.execution.datasources.PartitionedFile;
import org.apache.spark.sql.sources.BaseRelation;
import org.apache.spark.sql.sources.CreatableRelationProvider;
import org.apache.spark.sql.sources.DataSourceRegister;
import org.apache.spark.sql.sources.Filter;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;
import scala.Option;
import scala.jdk.javaapi.CollectionConverters;

/**
 * {@code spark.read.format("homi")}: Parquet read through the embedded HOMI runtime. {@code
 * df.write.format("homi")} writes Parquet through Spark's own Parquet writer.
 */
public final class HomiDataSource
    implements TableProvider, DataSourceRegister, CreatableRelationProvider, FileFormat {
  // Spark calls inferSchema then getTable on one instance; listing the files once is enough.
  private HomiFileIndex inferredIndex;
  private Map<String, String> inferredFor;

  @Override
  public String shortName() {
    return "homi";
  }

  /** A user's .schema(...) is used as given: columns absent from a file read as nulls. */
  @Override
  public boolean supportsExternalMetadata() {
    return true;
  }

  @Override
  public StructType inferSchema(CaseInsensitiveStringMap options) {
    HomiOptions homi = HomiOptions.from(options);
    HomiFileIndex index = HomiFileIndex.create(options, null);
    inferredIndex = index;
    inferredFor = options.asCaseSensitiveMap();
    if (index.files().isEmpty() && !index.emptyFiles().isEmpty()) {
      throw new IllegalArgumentException(
          "[UNABLE_TO_INFER_SCHEMA] homi: no Parquet data to infer a schema from: "
              + String.join(", ", index.emptyFiles())
              + (index.emptyFiles().size() == 1 ? " is" : " are")
              + " empty (0 bytes; not a Parquet file, skipped as Spark's parquet source skips it). Give a schema with"
              + " .schema(...)");
    }
    return TableSchemas.full(
        TableSchemas.inferData(index.files(), options, homi), index.partitionSchema());
  }

  @Override
  public Table getTable(
      StructType schema, Transform[] partitioning, Map<String, String> properties) {
    CaseInsensitiveStringMap options = new CaseInsensitiveStringMap(properties);
    HomiFileIndex index =
        inferredIndex != null && properties.equals(inferredFor) ? inferredIndex : null;
    return new HomiTable(options, schema, partitioning, index);
  }

  /**
   * {@code df.write.format("homi")...save(path)}, every save mode: Spark's Parquet writer does the
   * writing.
   */
  @Override
  public BaseRelation createRelation(
      SQLContext sqlContext,
      SaveMode mode,
      scala.collection.immutable.Map<String, String> parameters,
      Dataset<Row> data) {
    ParquetWrites.save(data, mode, CollectionConverters.asJava(parameters));
    StructType schema = data.schema();
    return new BaseRelation() {
      @Override
      public SQLContext sqlContext() {
        return sqlContext;
      }

      @Override
      public StructType schema() {
        return schema;
      }
    };
  }

  // ---- SQL on files (SELECT * FROM homi.`/dir`): Spark resolves it only for a V1 FileFormat. ----

  @Override
  public Option<StructType> inferSchema(
      SparkSession spark,
      scala.collection.immutable.Map<String, String> options,
      scala.collection.immutable.Seq<FileStatus> files) {
    return Option.apply(PathQueryReader.inferSchema(options, CollectionConverters.asJava(files)));
  }

  @Override
  public boolean supportBatch(SparkSession spark, StructType schema) {
    return true;
  }

  /**
   * Spark's file fields plus parquet's {@code row_index}: Spark then asks the reader for a
   * temporary column of that name ({@link FileSplitReader} fills it with the rows' indexes in their
   * file), as it asks the Parquet reader.
   */
  @Override
  public scala.collection.immutable.Seq<org.apache.spark.sql.types.StructField>
      metadataSchemaFields() {
    java.util.List<org.apache.spark.sql.types.StructField> fields =
        new java.util.ArrayList<>(
            CollectionConverters.asJava(
                org.apache.spark.sql.execution.datasources.FileFormat$.MODULE$
                    .BASE_METADATA_FIELDS()));
    fields.add(
        org.apache.spark.sql.execution.datasources.parquet.ParquetFileFormat$.MODULE$
            .ROW_INDEX_FIELD());
    return CollectionConverters.asScala(fields).toSeq();
  }

  @Override
  public boolean isSplitable(
      SparkSession spark, scala.collection.immutable.Map<String, String> options, Path path) {
    return true; // row groups go to the split holding their midpoint, as for the V2 scan
  }

  @Override
  public scala.Function1<PartitionedFile, scala.collection.Iterator<InternalRow>>
      buildReaderWithPartitionValues(
          SparkSession spark,
          StructType dataSchema,
          StructType partitionSchema,
          StructType requiredSchema,
          scala.collection.immutable.Seq<Filter> filters,
          scala.collection.immutable.Map<String, String> options,
          Configuration hadoopConf) {
    return PathQueryReader.create(dataSchema, partitionSchema, requiredSchema, filters, options);
  }

  @Override
  public OutputWriterFactory prepareWrite(
      SparkSession spark,
      Job job,
      scala.collection.immutable.Map<String, String> options,
      StructType dataSchema) {
    throw new UnsupportedOperationException(
        "homi writes Parquet through Spark's Parquet writer: use"
            + " df.write.format(\"homi\").save(path), saveAsTable, or INSERT INTO a homi table");
  }

  @Override
  public String toString() {
    return "homi";
  }
}
