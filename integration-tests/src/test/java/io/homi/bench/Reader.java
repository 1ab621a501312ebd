package io.homi.bench;

import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.execution.FileSourceScanExec;
import org.apache.spark.sql.execution.SparkPlan;
import org.apache.spark.sql.execution.datasources.v2.BatchScanExec;
import scala.jdk.javaapi.CollectionConverters;

/**
 * The readers compared: format("homi"), Spark's default Parquet path (V1 FileSourceScan) and
 * Spark's V2 ParquetScan (spark.sql.sources.useV1SourceList without parquet); on request also
 * homi-eager, format("homi") with homi.lazyDictionary=false (dictionaries materialized), for the
 * A/B of lazy dictionary columns; and homi-gpu, format("homi") with homi.output=gpu (the GPU
 * decodes, Spark uses the columns on the host through pinned copies) with its anchor
 * homi-gpu-pageable (homi.gpuHostCopy=pageable: per column, ordinary memory, at the first read);
 * homi-os and homi-direct force homi.path=os / direct (the write-layout A/B). Each load sets the
 * session's source list for its reader; {@link #scanOf} names the leaf scan that ran, so a run on
 * the wrong path is caught instead of measured.
 */
enum Reader {
  HOMI("homi"),
  V1("spark-v1"),
  V2("spark-v2"),
  HOMI_EAGER("homi-eager"),
  HOMI_GPU("homi-gpu"),
  HOMI_GPU_PAGEABLE("homi-gpu-pageable"),
  HOMI_OS("homi-os"),
  HOMI_DIRECT("homi-direct");

  static final String V1_LIST = "spark.sql.sources.useV1SourceList";

  final String label;

  Reader(String label) {
    this.label = label;
  }

  static Reader parse(String s) {
    return switch (s.toLowerCase(Locale.ROOT)) {
      case "homi" -> HOMI;
      case "v1", "spark-v1", "parquet" -> V1;
      case "v2", "spark-v2" -> V2;
      case "homi-eager" -> HOMI_EAGER;
      case "homi-gpu" -> HOMI_GPU;
      case "homi-gpu-pageable" -> HOMI_GPU_PAGEABLE;
      case "homi-os" -> HOMI_OS;
      case "homi-direct" -> HOMI_DIRECT;
      default ->
          throw new IllegalArgumentException(
              "unknown reader "
                  + s
                  + " (homi, v1, v2, homi-eager, homi-gpu, homi-gpu-pageable, homi-os,"
                  + " homi-direct)");
    };
  }

  /** Loads {@code path} through this reader; the source list stays set until the next load. */
  Dataset<Row> load(SparkSession spark, String path, String defaultV1List) {
    spark.conf().set(V1_LIST, this == V2 ? withoutParquet(defaultV1List) : defaultV1List);
    return switch (this) {
      case HOMI -> spark.read().format("homi").load(path);
      case HOMI_EAGER ->
          spark.read().format("homi").option("homi.lazyDictionary", "false").load(path);
      // GPU decode, host use: Spark's operators read the row groups' pinned host copies
      // (homi.gpuHostCopy=eager)
      case HOMI_GPU -> spark.read().format("homi").option("homi.output", "gpu").load(path);
      // the anchor for it: each column copied at its first CPU read into ordinary memory (before
      // pinned copies)
      case HOMI_GPU_PAGEABLE ->
          spark
              .read()
              .format("homi")
              .option("homi.output", "gpu")
              .option("homi.gpuHostCopy", "pageable")
              .load(path);
      // one I/O path forced (homi.path), for the write-layout A/B: buffered pread, or O_DIRECT
      case HOMI_OS -> spark.read().format("homi").option("homi.path", "os").load(path);
      case HOMI_DIRECT -> spark.read().format("homi").option("homi.path", "direct").load(path);
      case V1, V2 -> spark.read().format("parquet").load(path);
    };
  }

  private static String withoutParquet(String list) {
    return String.join(
        ",",
        java.util.Arrays.stream(list.split(","))
            .map(String::trim)
            .filter(s -> !s.equalsIgnoreCase("parquet"))
            .toList());
  }

  /**
   * The scan the physical plan uses: "FileSourceScan parquet", "BatchScan ParquetScan", "BatchScan
   * HomiScan".
   */
  static String scanOf(Dataset<Row> df) {
    SparkPlan plan = df.queryExecution().sparkPlan();
    List<SparkPlan> leaves = CollectionConverters.asJava(plan.collectLeaves());
    StringBuilder b = new StringBuilder();
    for (SparkPlan leaf : leaves) {
      String s;
      if (leaf instanceof FileSourceScanExec f)
        s = "FileSourceScan " + f.relation().fileFormat().toString().toLowerCase(Locale.ROOT);
      else if (leaf instanceof BatchScanExec bs)
        s = "BatchScan " + bs.scan().getClass().getSimpleName();
      else s = leaf.getClass().getSimpleName();
      if (b.indexOf(s) < 0) b.append(b.length() == 0 ? "" : "+").append(s);
    }
    return b.toString();
  }

  /** Whether {@code scan} (from {@link #scanOf}) is this reader's scan. */
  boolean ran(String scan) {
    return switch (this) {
      case HOMI, HOMI_EAGER, HOMI_GPU, HOMI_GPU_PAGEABLE, HOMI_OS, HOMI_DIRECT ->
          scan.equals("BatchScan HomiScan");
      case V1 -> scan.equals("FileSourceScan parquet");
      case V2 -> scan.equals("BatchScan ParquetScan");
    };
  }
}
