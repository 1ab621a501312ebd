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
  @Override
  public String shortName() {
    return "homi";
  }

  @Override
  public StructType inferSchema(CaseInsensitiveStringMap options) {
    return HomiFiles.from(options).inferSchema(HomiOptions.from(options));
  }

  @Override
  public Table getTable(StructType schema, Transform[] partitioning, Map<String, String> properties) {
    CaseInsensitiveStringMap options = new CaseInsensitiveStringMap(properties);
    return new HomiTable(schema, HomiFiles.from(options), HomiOptions.from(options));
  }
}
