package io.homi.spark;

import java.util.EnumSet;
import java.util.Set;
import org.apache.spark.sql.connector.catalog.SupportsRead;
import org.apache.spark.sql.connector.catalog.TableCapability;
import org.apache.spark.sql.connector.expressions.Expressions;
import org.apache.spark.sql.connector.expressions.Transform;
import org.apache.spark.sql.connector.read.ScanBuilder;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;

/** A set of Parquet files, maybe Hive-partitioned, read through HOMI; batch reads only. */
final class HomiTable implements SupportsRead {
  private final StructType schema;
  private final StructType dataSchema;
  private final HomiFileIndex files;
  private final HomiOptions options;

  HomiTable(StructType schema, StructType dataSchema, HomiFileIndex files, HomiOptions options) {
    this.schema = schema;
    this.dataSchema = dataSchema;
    this.files = files;
    this.options = options;
  }

  @Override
  public String name() {
    return "homi " + String.join(",", files.roots());
  }

  @Override
  public StructType schema() {
    return schema;
  }

  @Override
  public Transform[] partitioning() {
    StructField[] p = files.partitionSchema().fields();
    Transform[] t = new Transform[p.length];
    for (int i = 0; i < p.length; i++) t[i] = Expressions.identity(p[i].name());
    return t;
  }

  @Override
  public Set<TableCapability> capabilities() {
    return EnumSet.of(TableCapability.BATCH_READ);
  }

  @Override
  public ScanBuilder newScanBuilder(CaseInsensitiveStringMap ignored) {
    return new HomiScanBuilder(new ScanContext(schema, dataSchema, files.partitionSchema(), files, options));
  }
}
