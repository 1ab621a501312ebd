package io.homi.spark;

import io.homi.runtime.settings.HomiSettings;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.connector.write.LogicalWriteInfo;
import org.apache.spark.sql.connector.write.SupportsDynamicOverwrite;
import org.apache.spark.sql.connector.write.SupportsTruncate;
import org.apache.spark.sql.connector.write.V1Write;
import org.apache.spark.sql.connector.write.WriteBuilder;
import org.apache.spark.sql.execution.datasources.DataSourceUtils;
import org.apache.spark.sql.sources.InsertableRelation;
import scala.jdk.javaapi.CollectionConverters;

/**
 * HOMI reads Parquet; it writes nothing of its own. Every write, by path or into a table, is handed
 * to Spark's own Parquet writer ({@code format("parquet")}) with the same mode, partition columns
 * and options (compression and the other Parquet writer options), so the files are exactly what
 * {@code format("parquet")} would have written. {@code homi.writeLayout=direct} only adds Parquet
 * writer options ({@link #directLayout}); homi.* options are checked and not passed on.
 */
final class ParquetWrites {
  private ParquetWrites() {}

  /**
   * A path write: {@code df.write.format("homi").mode(m).partitionBy(..).options(..).save(path)}.
   */
  static void save(Dataset<Row> data, SaveMode mode, Map<String, String> params) {
    String path = params.get("path");
    if (path == null || path.isBlank()) {
      throw new IllegalArgumentException(
          "homi writes Parquet through Spark's Parquet writer and needs a path:"
              + " df.write.format(\"homi\").save(path)");
    }
    // homi.* write options are checked like read options: an unknown key or a bad value fails here,
    // naming the key, before anything is written.
    Map<String, String> homi =
        HomiSettings.resolveScan(
            List.of(params, SparkSettings.sessionHomiConf(), HomiSettings.systemProperties()), 1);
    List<String> partitionBy = List.of();
    Map<String, String> options = new HashMap<>();
    for (Map.Entry<String, String> e : params.entrySet()) {
      String k = e.getKey().toLowerCase(Locale.ROOT);
      if (k.equals(DataSourceUtils.PARTITIONING_COLUMNS_KEY().toLowerCase(Locale.ROOT))) {
        partitionBy =
            CollectionConverters.asJava(DataSourceUtils.decodePartitioningColumns(e.getValue()));
      } else if (!k.equals("path") && !k.equals("paths") && !k.startsWith("homi.")) {
        options.put(e.getKey(), e.getValue());
      }
    }
    if (HomiSettings.WRITE_LAYOUT.from(homi).equals("direct")) {
      directLayout(options, data.sparkSession().sessionState().conf().filesMaxPartitionBytes());
    }
    data.write()
        .format("parquet")
        .mode(mode)
        .options(options)
        .partitionBy(partitionBy.toArray(new String[0]))
        .save(path);
  }

  /** Parquet's row-group padding limit under {@code homi.writeLayout=direct}. */
  static final long DIRECT_MAX_PADDING = 8L << 20;

  /**
   * {@code homi.writeLayout=direct}: the writer options parquet-java offers for a layout read by
   * large direct reads, each only where the write did not set it. Spark hands write options to the
   * task's Hadoop conf, where ParquetOutputFormat reads them.
   *
   * <ul>
   *   <li>{@code parquet.block.size} = one read split ({@code spark.sql.files.maxPartitionBytes}):
   *       Spark gives each row group to the split holding its middle, so a row group of a split's
   *       size is read by one task in one pass of few large ranges (homi coalesces a row group's
   *       chunks into one read where they are within {@code homi.coalesceGap}).
   *   <li>{@code parquet.writer.max-padding}: pads a row group to the next file-system block when
   *       at most this much is left. parquet-java pads only where {@code
   *       HadoopOutputFile.supportsBlockSize()} holds, that is on {@code hdfs} and {@code webhdfs};
   *       on {@code file://} it uses no alignment at all, so this changes nothing there.
   * </ul>
   *
   * Not offered by parquet-java, so not done: column chunks aligned to 4 KiB (its writer places
   * each chunk right after the previous one and has no hook between chunks) and preallocation (the
   * task writes through Hadoop's output stream, whose descriptor is not exposed, into a
   * task-attempt file that the committer renames, and the final size is known only after the
   * footer).
   */
  static void directLayout(Map<String, String> options, long splitBytes) {
    putUnlessGiven(options, "parquet.block.size", Long.toString(splitBytes));
    putUnlessGiven(options, "parquet.writer.max-padding", Long.toString(DIRECT_MAX_PADDING));
  }

  private static void putUnlessGiven(Map<String, String> options, String key, String value) {
    for (String k : options.keySet()) {
      if (k.equalsIgnoreCase(key)) return;
    }
    options.put(key, value);
  }

  /** Catalog writes (saveAsTable, INSERT INTO, INSERT OVERWRITE) into a homi table. */
  static WriteBuilder builder(HomiTable table, LogicalWriteInfo info) {
    return new Builder(table, info);
  }

  private static final class Builder
      implements WriteBuilder, SupportsTruncate, SupportsDynamicOverwrite {
    private final HomiTable table;
    private final LogicalWriteInfo info;
    private boolean overwrite;

    Builder(HomiTable table, LogicalWriteInfo info) {
      this.table = table;
      this.info = info;
    }

    @Override
    public WriteBuilder truncate() {
      overwrite = true;
      return this;
    }

    /**
     * Only asked for with spark.sql.sources.partitionOverwriteMode=dynamic, which Spark's writer
     * then honours.
     */
    @Override
    public WriteBuilder overwriteDynamicPartitions() {
      overwrite = true;
      return this;
    }

    @Override
    public V1Write build() {
      Map<String, String> params = new HashMap<>(table.options().asCaseSensitiveMap());
      params.putAll(info.options().asCaseSensitiveMap());
      params.put("path", table.writePath());
      params.remove("paths");
      List<String> partitionColumns = table.partitionColumns();
      if (!partitionColumns.isEmpty()) {
        params.put(
            DataSourceUtils.PARTITIONING_COLUMNS_KEY(),
            DataSourceUtils.encodePartitioningColumns(
                CollectionConverters.asScala(partitionColumns).toSeq()));
      }
      boolean truncate = overwrite;
      return new V1Write() {
        @Override
        public InsertableRelation toInsertableRelation() {
          return (data, overwriteAsked) -> {
            save(data, truncate || overwriteAsked ? SaveMode.Overwrite : SaveMode.Append, params);
            table.fileIndex().refresh();
          };
        }
      };
    }
  }
}
