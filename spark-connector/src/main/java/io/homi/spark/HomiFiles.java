package io.homi.spark;

import io.homi.runtime.HomiRuntime;
import io.homi.runtime.parquet.ParquetFileReader;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;

/**
 * The files a scan reads: the {@code path} option or Spark's {@code paths} list, each a file or
 * a directory listed recursively, skipping hidden {@code _} and {@code .} entries as Spark
 * does. HOMI reads local files, so only plain paths and {@code file:} URIs are accepted.
 */
final class HomiFiles implements Serializable {
  private final List<String> roots;

  private HomiFiles(List<String> roots) {
    this.roots = roots;
  }

  static HomiFiles from(CaseInsensitiveStringMap options) {
    List<String> roots = new ArrayList<>();
    String paths = options.get("paths");
    if (paths != null && !paths.isBlank()) roots.addAll(parseJsonArray(paths));
    String path = options.get("path");
    if (path != null && !path.isBlank()) roots.add(path);
    if (roots.isEmpty()) throw new IllegalArgumentException("homi: no path given; use spark.read.format(\"homi\").load(path)");
    return new HomiFiles(List.copyOf(roots));
  }

  List<String> roots() {
    return roots;
  }

  /** Every data file under the roots, sorted for a stable plan. */
  List<Path> list() {
    List<Path> files = new ArrayList<>();
    for (String r : roots) {
      Path p = toLocal(r);
      if (!Files.exists(p)) throw new IllegalArgumentException("[PATH_NOT_FOUND] homi: path does not exist: " + r);
      if (Files.isDirectory(p)) {
        try (Stream<Path> s = Files.walk(p)) {
          s.filter(Files::isRegularFile).filter(f -> !hiddenBelow(p, f)).sorted().forEach(files::add);
        } catch (IOException e) {
          throw new UncheckedIOException("homi: cannot list " + r, e);
        }
      } else {
        files.add(p);
      }
    }
    return files;
  }

  StructType inferSchema(HomiOptions options) {
    List<Path> files = list();
    if (files.isEmpty()) {
      throw new IllegalArgumentException("homi: no Parquet files under " + roots + "; cannot infer a schema");
    }
    try (ParquetFileReader r = ParquetFileReader.open(HomiRuntime.get(), files.get(0), options.config())) {
      return SparkSchemas.toSpark(r.schema());
    } catch (IOException e) {
      throw new UncheckedIOException(e.getMessage(), e);
    }
  }

  private static boolean hiddenBelow(Path root, Path f) {
    for (Path part : root.relativize(f)) {
      String n = part.toString();
      if (n.startsWith("_") || n.startsWith(".")) return true;
    }
    return false;
  }

  static Path toLocal(String s) {
    if (s.startsWith("file:")) return Paths.get(URI.create(s.startsWith("file:/") && !s.startsWith("file://") ? "file://" + s.substring(5) : s));
    int colon = s.indexOf(':');
    int slash = s.indexOf('/');
    if (colon > 1 && (slash < 0 || colon < slash)) {
      throw new IllegalArgumentException("homi reads local files only; unsupported file system in " + s);
    }
    return Paths.get(s).toAbsolutePath();
  }

  private static List<String> parseJsonArray(String json) {
    try {
      return List.of(new com.fasterxml.jackson.databind.ObjectMapper().readValue(json, String[].class));
    } catch (IOException e) {
      throw new IllegalArgumentException("homi: bad paths option " + json, e);
    }
  }
}
