package io.homi.spark;

import io.homi.runtime.os.FileIdentity;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.connector.read.InputPartition;

/**
 * Row groups of one file for one task, with the file's size and mtime at planning time so an
 * executor that finds a different file fails instead of reading it.
 */
record HomiInputPartition(String path, int[] rowGroups, long plannedSize, long plannedMtimeNanos)
    implements InputPartition {
  static HomiInputPartition of(Path file, FileIdentity id, List<Integer> rowGroups) {
    return new HomiInputPartition(file.toString(), rowGroups.stream().mapToInt(Integer::intValue).toArray(),
        id.size(), id.mtimeNanos());
  }
}
