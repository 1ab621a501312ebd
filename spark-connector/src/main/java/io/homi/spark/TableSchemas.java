package io.homi.spark;

import io.homi.runtime.HomiRuntime;
import io.homi.runtime.parquet.ParquetFileReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;

/**
 * A table's schemas as Spark's Parquet source builds them: the data schema from the first file's
 * footer, or the union of all footers with {@code mergeSchema} (option or
 * spark.sql.parquet.mergeSchema); then partition columns, a partition column that is also a data
 * column keeping its place with the partition's type.
 */
final class TableSchemas {
  private TableSchemas() {}

  static StructType inferData(
      List<Path> files, CaseInsensitiveStringMap options, HomiOptions homi) {
    if (files.isEmpty()) {
      throw new IllegalArgumentException(
          "[UNABLE_TO_INFER_SCHEMA] homi: no Parquet files found; cannot infer a schema."
              + " Give one with .schema(...)");
    }
    boolean merge =
        options.containsKey("mergeSchema")
            ? options.getBoolean("mergeSchema", false)
            : SparkSession.active().sessionState().conf().isParquetSchemaMergingEnabled();
    Map<String, StructField> merged = new LinkedHashMap<>();
    Map<String, Path> firstSeen = new LinkedHashMap<>();
    // Spark sorts the leaf files by path first (ParquetUtils.splitFiles): the same column order
    // after merging, and the same single footer without it.
    List<Path> byPath = new ArrayList<>(files);
    byPath.sort(java.util.Comparator.comparing(Path::toString));
    for (Path f : merge ? byPath : byPath.subList(0, 1)) {
      for (StructField field : footerSchema(f, homi).fields()) {
        String key = field.name().toLowerCase(Locale.ROOT);
        StructField seen = merged.get(key);
        if (seen == null) {
          merged.put(key, field);
          firstSeen.put(key, f);
        } else if (!seen.dataType().equals(field.dataType())) {
          throw new IllegalArgumentException(
              "homi mergeSchema: column '"
                  + field.name()
                  + "' is "
                  + seen.dataType().simpleString()
                  + " in "
                  + firstSeen.get(key)
                  + " but "
                  + field.dataType().simpleString()
                  + " in "
                  + f);
        }
      }
    }
    return new StructType(merged.values().toArray(new StructField[0]));
  }

  static StructType footerSchema(Path f, HomiOptions homi) {
    try (ParquetFileReader r = ParquetFileReader.open(HomiRuntime.get(), f, homi.config())) {
      StoredSparkSchema.check(r);
      return SparkSchemas.toSpark(r.schema());
    } catch (IOException e) {
      throw new UncheckedIOException(e.getMessage(), e);
    }
  }

  /**
   * Data columns, with partition columns overriding same-named ones, then the other partition
   * columns.
   */
  static StructType full(StructType data, StructType partition) {
    List<StructField> out = new ArrayList<>();
    for (StructField f : data.fields()) {
      StructField p = find(partition, f.name());
      out.add(p != null ? p : f);
    }
    for (StructField p : partition.fields()) if (find(data, p.name()) == null) out.add(p);
    return new StructType(out.toArray(new StructField[0]));
  }

  /** The given schema without the partition columns: what must come from the files. */
  static StructType dataOnly(StructType schema, StructType partition) {
    List<StructField> out = new ArrayList<>();
    for (StructField f : schema.fields()) if (find(partition, f.name()) == null) out.add(f);
    return new StructType(out.toArray(new StructField[0]));
  }

  static StructField find(StructType s, String name) {
    for (StructField f : s.fields()) if (f.name().equalsIgnoreCase(name)) return f;
    return null;
  }
}
