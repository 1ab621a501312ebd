package io.homi.spark;

import org.apache.spark.sql.types.StructType;

/** What every stage of planning a scan needs to know about the table, immutable. */
record ScanContext(
    StructType schema,
    StructType dataSchema,
    StructType partitionSchema,
    HomiFileIndex files,
    HomiOptions options) {
  boolean isPartitionColumn(String name) {
    return TableSchemas.find(partitionSchema, name) != null;
  }
}
