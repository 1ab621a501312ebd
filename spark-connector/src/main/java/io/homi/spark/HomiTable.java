package io.homi.spark;

import java.util.EnumSet;
import java.util.Set;
import org.apache.spark.sql.connector.catalog.SupportsRead;
import org.apache.spark.sql.connector.catalog.TableCapability;
import org.apache.spark.sql.connector.read.ScanBuilder;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;

/** A set of Parquet files read through HOMI; batch reads only. */
final class HomiTable implements SupportsRead {
  private final StructType schema;
  private final HomiFiles files;
  private final HomiOptions options;

  HomiTable(StructType schema, HomiFiles files, HomiOptions options) {
    this.schema = schema;
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
  public Set<TableCapability> capabilities() {
    return EnumSet.of(TableCapability.BATCH_READ);
  }

  @Override
  public ScanBuilder newScanBuilder(CaseInsensitiveStringMap ignored) {
    return new HomiScanBuilder(schema, files, options);
  }
}
