package io.homi.it;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The application {@link SparkSubmitIT} hands to spark-submit, packed in a jar of its own: it
 * writes a Parquet file with Spark's writer, reads it with {@code format("homi")} (found only
 * through the jar given to --jars) and prints what a user would check, one "submit:" line each.
 */
public final class SubmitApp {
  private SubmitApp() {}

  public static void main(String[] args) {
    String dir = args[0];
    SparkSession spark = SparkSession.builder().appName("homi-submit-it").getOrCreate();
    try {
      spark
          .range(0, 10_000, 1, 2)
          .selectExpr("id", "id % 7 AS k", "concat('v', CAST(id AS STRING)) AS s")
          .write()
          .mode("overwrite")
          .parquet(dir);
      Dataset<Row> df = spark.read().format("homi").load(dir);
      Row r = df.selectExpr("count(*)", "sum(id)", "count(DISTINCT k)", "max(s)").first();
      System.out.println(
          "submit: rows="
              + r.getLong(0)
              + " sum="
              + r.getLong(1)
              + " keys="
              + r.getLong(2)
              + " max="
              + r.getString(3));
      System.out.println(
          "submit: homi from "
              + org.apache.spark.sql.connector.catalog.TableProvider.class.getName()
              + " impl "
              + classJar("io.homi.spark.HomiDataSource"));
      System.out.println(
          "submit: plan "
              + df.queryExecution().executedPlan().toString().replaceAll("\\s+", " ").trim());
      boolean same =
          df.orderBy("id")
              .collectAsList()
              .equals(spark.read().parquet(dir).orderBy("id").collectAsList());
      System.out.println("submit: equal to parquet=" + same);
    } finally {
      spark.stop();
    }
  }

  private static String classJar(String name) {
    try {
      Class<?> c = Class.forName(name, false, Thread.currentThread().getContextClassLoader());
      return String.valueOf(c.getProtectionDomain().getCodeSource().getLocation());
    } catch (ClassNotFoundException e) {
      return "not found";
    }
  }
}
