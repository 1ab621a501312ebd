package io.homi.spark;

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
 * {@code format("parquet")} would have written.
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
    List<String> partitionBy = List.of();
    Map<String, String> options = new HashMap<>();
    for (Map.Entry<String, String> e : params.entrySet()) {
      String k = e.getKey().toLowerCase(Locale.ROOT);
      if (k.equals(DataSourceUtils.PARTITIONING_COLUMNS_KEY().toLowerCase(Locale.ROOT))) {
        partitionBy =
            CollectionConverters.asJava(DataSourceUtils.decodePartitioningColumns(e.getValue()));
      } else if (!k.equals("path") && !k.equals("paths")) {
        options.put(e.getKey(), e.getValue());
      }
    }
    data.write()
        .format("parquet")
        .mode(mode)
        .options(options)
        .partitionBy(partitionBy.toArray(new String[0]))
        .save(path);
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
