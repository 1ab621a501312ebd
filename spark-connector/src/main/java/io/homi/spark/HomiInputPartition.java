package io.homi.spark;

import java.io.Serializable;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.connector.read.InputPartition;

/**
 * One task's byte ranges of files, as Spark's FilePartition packs them. Each range reads the row
 * groups whose midpoint falls inside it, so every row group is read by exactly one task.
 */
record HomiInputPartition(Split[] splits, String[] hosts) implements InputPartition {
  /**
   * A byte range of one file, with the file's size and mtime at planning time (an executor that
   * finds another file fails instead of reading it) and the partition values of its directory;
   * {@code urlPath} is the file as Spark names it ({@code input_file_name()}, {@code _metadata}).
   */
  record Split(
      String path,
      long start,
      long length,
      long plannedSize,
      long plannedMtimeMillis,
      InternalRow partitionValues,
      String urlPath)
      implements Serializable {}

  @Override
  public String[] preferredLocations() {
    return hosts;
  }
}
