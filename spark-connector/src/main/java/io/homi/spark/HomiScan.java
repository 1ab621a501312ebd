package io.homi.spark;

import io.homi.runtime.HomiRuntime;
import io.homi.runtime.parquet.ParquetFileReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.connector.metric.CustomMetric;
import org.apache.spark.sql.connector.read.Batch;
import org.apache.spark.sql.connector.read.InputPartition;
import org.apache.spark.sql.connector.read.PartitionReaderFactory;
import org.apache.spark.sql.connector.read.Scan;
import org.apache.spark.sql.types.StructType;

/**
 * Plans the read: lists the files, reads each footer through the runtime, and packs
 * consecutive row groups of a file into partitions of about spark.sql.files.maxPartitionBytes.
 */
final class HomiScan implements Scan, Batch {
  private final StructType tableSchema;
  private final StructType readSchema;
  private final HomiFiles files;
  private final HomiOptions options;

  HomiScan(StructType tableSchema, StructType readSchema, HomiFiles files, HomiOptions options) {
    this.tableSchema = tableSchema;
    this.readSchema = readSchema;
    this.files = files;
    this.options = options;
  }

  @Override
  public StructType readSchema() {
    return readSchema;
  }

  @Override
  public String description() {
    return "HomiScan " + files.roots() + " [" + options + "] ReadSchema: " + readSchema.catalogString();
  }

  @Override
  public Batch toBatch() {
    return this;
  }

  @Override
  public InputPartition[] planInputPartitions() {
    long maxBytes = SparkSession.active().sessionState().conf().filesMaxPartitionBytes();
    List<InputPartition> parts = new ArrayList<>();
    for (Path f : files.list()) {
      try (ParquetFileReader r = ParquetFileReader.open(HomiRuntime.get(), f, options.config())) {
        if (!SparkSchemas.toSpark(r.schema()).equals(tableSchema)) {
          throw new IllegalArgumentException("homi: " + f + " has schema " + SparkSchemas.toSpark(r.schema()).catalogString()
              + ", unlike the table's " + tableSchema.catalogString() + " (schema merging is not supported yet)");
        }
        List<Integer> group = new ArrayList<>();
        long bytes = 0;
        for (int rg = 0; rg < r.rowGroupCount(); rg++) {
          long size = r.metadata().getRow_groups().get(rg).getTotal_byte_size();
          if (!group.isEmpty() && bytes + size > maxBytes) {
            parts.add(HomiInputPartition.of(f, r.identity(), group));
            group.clear();
            bytes = 0;
          }
          group.add(rg);
          bytes += size;
        }
        if (!group.isEmpty()) parts.add(HomiInputPartition.of(f, r.identity(), group));
      } catch (IOException e) {
        throw new UncheckedIOException(e.getMessage(), e);
      }
    }
    return parts.toArray(new InputPartition[0]);
  }

  @Override
  public PartitionReaderFactory createReaderFactory() {
    return new HomiReaderFactory(readSchema, options);
  }

  @Override
  public CustomMetric[] supportedCustomMetrics() {
    return HomiMetrics.supported();
  }
}
