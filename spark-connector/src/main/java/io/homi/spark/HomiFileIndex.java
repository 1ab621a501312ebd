package io.homi.spark;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.execution.datasources.DataSource$;
import org.apache.spark.sql.execution.datasources.FileStatusCache$;
import org.apache.spark.sql.execution.datasources.FileStatusWithMetadata;
import org.apache.spark.sql.execution.datasources.InMemoryFileIndex;
import org.apache.spark.sql.execution.datasources.PartitionDirectory;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;
import scala.Option;
import scala.jdk.javaapi.CollectionConverters;

/**
 * The files of a table, found exactly as Spark's file sources find them: Spark's own
 * InMemoryFileIndex does globbing, {@code basePath}, {@code recursiveFileLookup}, {@code
 * pathGlobFilter}, {@code modifiedBefore/After}, hidden {@code _}/{@code .} entries and Hive-style
 * partition discovery with Spark's type inference. HOMI reads local files only, which is checked
 * here, on the driver, with the offending path in the message.
 */
final class HomiFileIndex {
  private final InMemoryFileIndex index;
  private final List<String> roots;
  private final CaseInsensitiveStringMap options;

  private HomiFileIndex(
      InMemoryFileIndex index, List<String> roots, CaseInsensitiveStringMap options) {
    this.index = index;
    this.roots = roots;
    this.options = options;
  }

  /** Spark's ignoreMissingFiles / ignoreCorruptFiles for this read, resolved now (at planning). */
  FileErrors fileErrors() {
    return FileErrors.from(options);
  }

  static HomiFileIndex create(CaseInsensitiveStringMap options, StructType userSchema) {
    SparkSession spark = SparkSession.active();
    List<String> roots = roots(options);
    scala.collection.immutable.Map<String, String> opts = scalaMap(options);
    Configuration hadoopConf = spark.sessionState().newHadoopConfWithOptions(opts);
    boolean glob = options.getBoolean("__globPaths", true);
    scala.collection.immutable.Seq<Path> rootPaths =
        DataSource$.MODULE$.checkAndGlobPathIfNecessary(
            CollectionConverters.asScala(roots).toSeq(),
            hadoopConf,
            true,
            true,
            DataSource$.MODULE$.checkAndGlobPathIfNecessary$default$5(),
            glob);
    for (Path p : CollectionConverters.asJava(rootPaths)) requireLocal(p);
    InMemoryFileIndex index =
        new InMemoryFileIndex(
            spark,
            rootPaths,
            opts,
            Option.apply(userSchema),
            FileStatusCache$.MODULE$.getOrCreate(spark),
            Option.empty(),
            Option.empty());
    return new HomiFileIndex(index, List.copyOf(roots), options);
  }

  List<String> roots() {
    return roots;
  }

  /** Spark's own index of the same files: what {@code inputFiles} and cache refresh use. */
  InMemoryFileIndex spark() {
    return index;
  }

  /**
   * Data files of 0 bytes: skipped by the listing (as for parquet), named when nothing else is
   * left.
   */
  List<String> emptyFiles() {
    List<String> out = new ArrayList<>();
    for (org.apache.hadoop.fs.FileStatus f : CollectionConverters.asJava(index.allFiles())) {
      if (f.getLen() == 0) out.add(f.getPath().toString());
    }
    return out;
  }

  StructType partitionSchema() {
    return index.partitionSchema();
  }

  /** Every partition directory with its data files (all of them; pruning is the scan's job). */
  List<PartitionDirectory> partitions() {
    List<PartitionDirectory> out =
        new ArrayList<>(
            CollectionConverters.asJava(
                index.listFiles(
                    CollectionConverters.asScala(
                            List.<org.apache.spark.sql.catalyst.expressions.Expression>of())
                        .toSeq(),
                    CollectionConverters.asScala(
                            List.<org.apache.spark.sql.catalyst.expressions.Expression>of())
                        .toSeq())));
    return out;
  }

  /** Data files in listing order, the order Spark's Parquet schema inference uses. */
  List<java.nio.file.Path> files() {
    List<java.nio.file.Path> out = new ArrayList<>();
    for (PartitionDirectory d : partitions()) {
      for (FileStatusWithMetadata f : CollectionConverters.asJava(d.files()))
        out.add(local(f.getPath()));
    }
    return out;
  }

  static java.nio.file.Path local(Path p) {
    requireLocal(p);
    return java.nio.file.Paths.get(p.toUri());
  }

  private static void requireLocal(Path p) {
    String scheme = p.toUri().getScheme();
    if (scheme != null && !scheme.equals("file")) {
      throw new IllegalArgumentException(
          "homi reads local files only; unsupported file system '" + scheme + "' in " + p);
    }
  }

  static List<String> rootsIfAny(CaseInsensitiveStringMap options) {
    return options.containsKey("path") || options.containsKey("paths") ? roots(options) : List.of();
  }

  static List<String> roots(CaseInsensitiveStringMap options) {
    List<String> roots = new ArrayList<>();
    String paths = options.get("paths");
    if (paths != null && !paths.isBlank()) {
      try {
        roots.addAll(List.of(new ObjectMapper().readValue(paths, String[].class)));
      } catch (IOException e) {
        throw new IllegalArgumentException("homi: bad paths option " + paths, e);
      }
    }
    String path = options.get("path");
    if (path != null && !path.isBlank()) roots.add(path);
    if (roots.isEmpty())
      throw new IllegalArgumentException(
          "homi: no path given; use spark.read.format(\"homi\").load(path)");
    return roots;
  }

  static scala.collection.immutable.Map<String, String> scalaMap(CaseInsensitiveStringMap options) {
    return scala.collection.immutable.Map.from(
        CollectionConverters.asScala(options.asCaseSensitiveMap()));
  }
}
