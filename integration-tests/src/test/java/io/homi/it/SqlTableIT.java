package io.homi.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Tables created with SQL over the same files answer like USING parquet. */
class SqlTableIT extends SparkTestBase {
  private static Path dir;

  @BeforeAll
  static void data() throws IOException {
    dir = freshDir("sql");
    spark
        .range(0, 10_000, 1, 2)
        .selectExpr("id", "id % 5 AS k", "CAST(id % 3 AS INT) AS part")
        .write()
        .partitionBy("part")
        .parquet(dir.toString());
  }

  @AfterEach
  void drop() {
    spark.sql("DROP TABLE IF EXISTS h");
    spark.sql("DROP TABLE IF EXISTS p");
  }

  private static final String QUERY =
      "SELECT part, k, count(*) AS n, sum(id) AS total FROM %s WHERE id > 100 "
          + "GROUP BY part, k ORDER BY part, k";

  @Test
  void createTableWithPathOption() {
    spark.sql("CREATE TABLE h USING homi OPTIONS (path '" + dir + "')");
    spark.sql("CREATE TABLE p USING parquet OPTIONS (path '" + dir + "')");
    // Spark tracks a parquet table's partitions in the catalog; homi lists the directory each scan.
    spark.sql("MSCK REPAIR TABLE p");
    assertThat(spark.sql(String.format(QUERY, "h")).collectAsList())
        .hasSize(15)
        .isEqualTo(spark.sql(String.format(QUERY, "p")).collectAsList());
  }

  @Test
  void createTableWithLocation() {
    spark.sql("CREATE TABLE h USING homi LOCATION '" + dir + "'");
    spark.sql("CREATE TABLE p USING parquet LOCATION '" + dir + "'");
    spark.sql("MSCK REPAIR TABLE p");
    assertThat(spark.table("h").schema()).isEqualTo(spark.table("p").schema());
    assertThat(spark.sql(String.format(QUERY, "h")).collectAsList())
        .isEqualTo(spark.sql(String.format(QUERY, "p")).collectAsList());
    assertThat(spark.sql("EXPLAIN SELECT * FROM h WHERE k = 1").first().getString(0))
        .contains("HomiScan");
  }

  @Test
  void sqlDirectlyOnThePath() {
    String homi = "homi.`" + dir + "`";
    String parquet = "parquet.`" + dir + "`";
    assertThat(spark.sql(String.format(QUERY, homi)).collectAsList())
        .hasSize(15)
        .isEqualTo(spark.sql(String.format(QUERY, parquet)).collectAsList());
    // Partition discovery, pruning on the partition column, and the file functions, as for parquet.
    String files =
        "SELECT id, part, input_file_name() AS f, _metadata.file_name AS n FROM %s WHERE part = 1 AND id < 50"
            + " ORDER BY id";
    assertThat(spark.sql(String.format(files, homi)).collectAsList())
        .hasSize(17)
        .isEqualTo(spark.sql(String.format(files, parquet)).collectAsList());
    String plan = spark.sql("EXPLAIN SELECT * FROM " + homi + " WHERE k = 1").first().getString(0);
    assertThat(plan)
        .contains("FileScan homi")
        .contains("PartitionFilters")
        .doesNotContain("FileScan parquet");
  }

  @Test
  void rowIndexOnThePath() {
    String homi = "homi.`" + dir + "`";
    String parquet = "parquet.`" + dir + "`";
    // _metadata.row_index on the V1 route: selected, filtered on, and under pushed filters that
    // prune.
    for (String q :
        List.of(
            "SELECT id, _metadata.row_index, _metadata.file_name FROM %s ORDER BY id",
            "SELECT id, _metadata.row_index FROM %s WHERE id > 20 AND part = 2 ORDER BY id",
            "SELECT count(*), max(_metadata.row_index) FROM %s WHERE _metadata.row_index >= 3")) {
      List<Row> expected = spark.sql(String.format(q, parquet)).collectAsList();
      assertThat(expected).isNotEmpty();
      assertThat(spark.sql(String.format(q, homi)).collectAsList()).as(q).isEqualTo(expected);
    }
  }
}
