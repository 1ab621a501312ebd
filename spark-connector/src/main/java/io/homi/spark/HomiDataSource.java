package io.homi.spark;

import java.util.Map;
import org.apache.spark.sql.connector.catalog.Table;
import org.apache.spark.sql.connector.catalog.TableProvider;
import org.apache.spark.sql.connector.expressions.Transform;
import org.apache.spark.sql.sources.DataSourceRegister;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;

/** {@code spark.read.format("homi")}: Parquet read through the embedded HOMI runtime. */
public final class HomiDataSource implements TableProvider, DataSourceRegister {
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
    return TableSchemas.full(TableSchemas.inferData(index.files(), options, homi), index.partitionSchema());
  }

  @Override
  public Table getTable(StructType schema, Transform[] partitioning, Map<String, String> properties) {
    CaseInsensitiveStringMap options = new CaseInsensitiveStringMap(properties);
    HomiFileIndex index = inferredIndex != null && properties.equals(inferredFor) ? inferredIndex
        : HomiFileIndex.create(options, schema);
    StructType partition = index.partitionSchema();
    StructType data = TableSchemas.dataOnly(schema, partition);
    return new HomiTable(TableSchemas.full(data, partition), data, index, HomiOptions.from(options));
  }
}
