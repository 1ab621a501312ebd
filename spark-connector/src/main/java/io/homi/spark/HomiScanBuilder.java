package io.homi.spark;

import org.apache.spark.sql.connector.read.Scan;
import org.apache.spark.sql.connector.read.ScanBuilder;
import org.apache.spark.sql.connector.read.SupportsPushDownRequiredColumns;
import org.apache.spark.sql.types.StructType;

/** Column pruning: only the columns Spark asks for are fetched and decoded. */
final class HomiScanBuilder implements ScanBuilder, SupportsPushDownRequiredColumns {
  private final StructType tableSchema;
  private final HomiFiles files;
  private final HomiOptions options;
  private StructType readSchema;

  HomiScanBuilder(StructType tableSchema, HomiFiles files, HomiOptions options) {
    this.tableSchema = tableSchema;
    this.files = files;
    this.options = options;
    this.readSchema = tableSchema;
  }

  @Override
  public void pruneColumns(StructType requiredSchema) {
    this.readSchema = requiredSchema;
  }

  @Override
  public Scan build() {
    return new HomiScan(tableSchema, readSchema, files, options);
  }
}
