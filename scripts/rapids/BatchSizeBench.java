package homirapids;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.execution.SparkPlan;
import org.apache.spark.sql.vectorized.ColumnarBatch;

/**
 * Producer side of homi.output=arrow per homi.batchRows, CPU only: the scan's batches counted (no
 * copy: what HostColumnarToGpu's Arrow path does with them happens on the GPU machine), against
 * the host output at its default (the anchor), in the same run, alternating, median of REPS. Usage: BatchSizeBench LINEITEM_DIR REPS [BATCH_ROWS...]
 */
public final class BatchSizeBench {
  public static void main(String[] a) {
    String path = a[0];
    int reps = Integer.parseInt(a[1]);
    List<String> configs = new ArrayList<>(List.of("host:4096"));
    for (int i = 2; i < a.length; i++) configs.add("arrow:" + a[i]);
    SparkSession spark = SparkSession.builder().master("local[2]").appName("batch-size-bench")
        .config("spark.ui.enabled", "false").getOrCreate();
    double[][] t = new double[configs.size()][reps];
    long[] batches = new long[configs.size()];
    for (int r = 0; r < reps; r++) {
      for (int c = 0; c < configs.size(); c++) {
        String[] kv = configs.get(c).split(":");
        Dataset<Row> df = spark.read().format("homi").option("homi.output", kv[0]).option("homi.batchRows", kv[1]).load(path);
        SparkPlan scan = df.queryExecution().executedPlan().collectLeaves().head();
        long t0 = System.nanoTime();
        List<long[]> s = scan.executeColumnar().toJavaRDD().mapPartitions((Iterator<ColumnarBatch> it) -> {
          long n = 0, bytes = 0;
          while (it.hasNext()) {
            ColumnarBatch b = it.next();
            n++;
            bytes += b.numRows();
          }
          return List.of(new long[] {n, bytes}).iterator();
        }).collect();
        t[c][r] = (System.nanoTime() - t0) / 1e9;
        batches[c] = s.stream().mapToLong(x -> x[0]).sum();
      }
    }
    double anchor = median(t[0]);
    System.out.printf("%-14s %8s %10s %8s%n", "output:rows", "batches", "median s", "ratio");
    for (int c = 0; c < configs.size(); c++) {
      System.out.printf(Locale.ROOT, "%-14s %8d %10.3f %8.2f%n", configs.get(c), batches[c], median(t[c]), median(t[c]) / anchor);
    }
    spark.stop();
  }

  private static double median(double[] x) {
    double[] s = x.clone();
    Arrays.sort(s);
    return s[s.length / 2];
  }
}
