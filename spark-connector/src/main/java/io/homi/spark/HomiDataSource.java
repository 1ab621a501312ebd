package io.homi.spark;

import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SQLContext;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.connector.catalog.Table;
import org.apache.spark.sql.connector.catalog.TableProvider;
import org.apache.spark.sql.connector.expressions.Transform;
import org.apache.spark.sql.sources.BaseRelation;
import org.apache.spark.sql.sources.CreatableRelationProvider;
import org.apache.spark.sql.sources.DataSourceRegister;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;
import scala.jdk.javaapi.CollectionConverters;

/**
 * {@code spark.read.format("homi")}: Parquet read through the embedded HOMI runtime.
 * {@code df.write.format("homi")} writes Parquet through Spark's own Parquet writer.
 */
public final class HomiDataSource implements TableProvider, DataSourceRegister, CreatableRelationProvider {
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
      throw new IllegalArgumentException("[UNABLE_TO_INFER_SCHEMA] homi: no Parquet data to infer a schema from: "
          + String.join(", ", index.emptyFiles()) + (index.emptyFiles().size() == 1 ? " is" : " are")
          + " empty (0 bytes; not a Parquet file, skipped as Spark's parquet source skips it). Give a schema with"
          + " .schema(...)");
    }
    return TableSchemas.full(TableSchemas.inferData(index.files(), options, homi), index.partitionSchema());
  }

  @Override
  public Table getTable(StructType schema, Transform[] partitioning, Map<String, String> properties) {
    CaseInsensitiveStringMap options = new CaseInsensitiveStringMap(properties);
    HomiFileIndex index = inferredIndex != null && properties.equals(inferredFor) ? inferredIndex : null;
    return new HomiTable(options, schema, partitioning, index);
  }

  /** {@code df.write.format("homi")...save(path)}, every save mode: Spark's Parquet writer does the writing. */
  @Override
  public BaseRelation createRelation(SQLContext sqlContext, SaveMode mode,
                                     scala.collection.immutable.Map<String, String> parameters, Dataset<Row> data) {
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
}
