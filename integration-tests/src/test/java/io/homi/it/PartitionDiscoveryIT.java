package io.homi.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;
import org.apache.spark.sql.DataFrameReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Files and partitions compared with format("parquet") on the same directories: Hive-style
 * partition columns with type inference, globs, several paths, basePath, pathGlobFilter,
 * recursiveFileLookup, hidden files, mergeSchema and a user-supplied schema.
 */
class PartitionDiscoveryIT extends SparkTestBase {
  private static Path table;

  @BeforeAll
  static void data() throws IOException {
    table = freshDir("partitioned");
    spark
        .range(0, 30_000, 1, 3)
        .selectExpr(
            "id",
            "concat('s', CAST(id % 97 AS STRING)) AS s",
            "CAST(2020 + id % 3 AS INT) AS year",
            "CASE WHEN id % 4 = 0 THEN NULL ELSE concat('c', CAST(id % 4 AS STRING)) END AS cat",
            "date_add(DATE'2024-01-01', CAST(id % 2 AS INT)) AS day")
        .write()
        .partitionBy("year", "cat", "day")
        .parquet(table.toString());
    // Hidden entries Spark ignores: a would-be data file must not be read by either reader.
    Path someFile;
    try (var s = Files.walk(table)) {
      someFile = s.filter(p -> p.toString().endsWith(".parquet")).findFirst().orElseThrow();
    }
    Files.copy(someFile, table.resolve("_hidden.parquet"));
    Files.copy(someFile, someFile.getParent().resolve(".also-hidden.parquet"));
  }

  private static void same(Function<DataFrameReader, Dataset<Row>> load) {
    Dataset<Row> homi = load.apply(spark.read().format("homi"));
    Dataset<Row> parquet = load.apply(spark.read().format("parquet"));
    assertThat(homi.schema()).isEqualTo(parquet.schema());
    List<Row> expected = parquet.orderBy("id").collectAsList();
    assertThat(expected).isNotEmpty();
    assertThat(homi.orderBy("id").collectAsList()).containsExactlyElementsOf(expected);
  }

  @Test
  void partitionColumnsWithInferredTypes() {
    same(r -> r.load(table.toString()));
    Dataset<Row> homi = spark.read().format("homi").load(table.toString());
    assertThat(homi.schema().fieldNames()).containsExactly("id", "s", "year", "cat", "day");
    assertThat(homi.schema().apply("year").dataType().typeName()).isEqualTo("integer");
    assertThat(homi.schema().apply("day").dataType().typeName()).isEqualTo("date");
    // Partition columns alone, aggregated, and filtered: pruning partitions keeps the answer.
    same(
        r ->
            r.load(table.toString())
                .where("year = 2021 AND cat IS NULL")
                .select("id", "cat", "day"));
    same(r -> r.load(table.toString()).where("cat = 'c1' OR year > 2021"));
    assertThat(
            spark
                .read()
                .format("homi")
                .load(table.toString())
                .groupBy("year")
                .count()
                .orderBy("year")
                .collectAsList())
        .isEqualTo(
            spark
                .read()
                .parquet(table.toString())
                .groupBy("year")
                .count()
                .orderBy("year")
                .collectAsList());
  }

  @Test
  void typeInferenceCanBeTurnedOff() {
    spark.conf().set("spark.sql.sources.partitionColumnTypeInference.enabled", "false");
    try {
      same(r -> r.load(table.toString()));
      assertThat(
              spark
                  .read()
                  .format("homi")
                  .load(table.toString())
                  .schema()
                  .apply("year")
                  .dataType()
                  .typeName())
          .isEqualTo("string");
    } finally {
      spark.conf().unset("spark.sql.sources.partitionColumnTypeInference.enabled");
    }
  }

  @Test
  void globsSeveralPathsAndBasePath() {
    same(
        r -> r.option("basePath", table.toString()).load(table.resolve("year=202[01]").toString()));
    same(r -> r.option("basePath", table.toString()).load(table.resolve("year=2022").toString()));
    same(
        r ->
            r.option("basePath", table.toString())
                .load(
                    table.resolve("year=2020").toString(), table.resolve("year=2022").toString()));
    same(r -> r.option("pathGlobFilter", "*.parquet").load(table.toString()));
  }

  @Test
  void recursiveLookupAndModifiedTimeFilters() {
    same(r -> r.option("recursiveFileLookup", "true").load(table.toString()));
    same(r -> r.option("modifiedAfter", "2000-01-01T00:00:00").load(table.toString()));
    assertThat(
            spark
                .read()
                .format("homi")
                .option("modifiedBefore", "2000-01-01T00:00:00")
                .schema("id BIGINT")
                .load(table.toString())
                .count())
        .isZero();
  }

  @Test
  void userSchemaAndMergeSchema() throws IOException {
    Path evolving = freshDir("evolving");
    spark
        .range(0, 100)
        .selectExpr("id", "CAST(id AS INT) AS a")
        .write()
        .parquet(evolving.resolve("p=1").toString());
    spark
        .range(100, 200)
        .selectExpr("id", "concat('b', CAST(id AS STRING)) AS b")
        .write()
        .parquet(evolving.resolve("p=2").toString());
    same(r -> r.option("mergeSchema", "true").load(evolving.toString()));
    same(r -> r.schema("id BIGINT, b STRING, missing DOUBLE, p INT").load(evolving.toString()));
    same(r -> r.schema("b STRING, id BIGINT").load(evolving.toString()));
  }
}
