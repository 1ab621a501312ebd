package io.homi.bench;

import java.util.List;

/**
 * The single-type tables of Spark's DataSourceReadBenchmark, one column (or two) of pseudo-random
 * values per table, and the query that benchmark runs on each. Values are hashes of the row number
 * (deterministic, unlike the original's Random.nextLong) and kept in ranges whose sums cannot
 * overflow under Spark 4's ANSI mode; DECIMAL and DATE are added so that every type HOMI decodes
 * has a row.
 */
final class TypeTables {
  /** DataSourceReadBenchmark's row count at scale factor 1. */
  static final long SF1_ROWS = 15L * 1024 * 1024;

  /**
   * {@code select} makes the column(s) from {@code id} of spark.range; {@code query} reads view
   * {@code t}.
   */
  record Table(String name, String select, String query) {
    Table {
      if (!query.contains(" FROM t")) query = "SELECT " + query + " FROM t";
    }
  }

  private TypeTables() {}

  private static final String H = "xxhash64(id)";

  static final List<Table> ALL =
      List.of(
          new Table("boolean", "pmod(" + H + ", 2) = 0 AS id", "sum(cast(id AS bigint))"),
          new Table("tinyint", "CAST(pmod(" + H + ", 256) - 128 AS TINYINT) AS id", "sum(id)"),
          new Table(
              "smallint", "CAST(pmod(" + H + ", 65536) - 32768 AS SMALLINT) AS id", "sum(id)"),
          new Table(
              "int", "CAST(pmod(" + H + ", 4294967296) - 2147483648 AS INT) AS id", "sum(id)"),
          new Table("bigint", "shiftright(" + H + ", 28) AS id", "sum(id)"),
          new Table("float", "CAST(" + H + " AS FLOAT) AS id", "sum(id)"),
          new Table("double", "CAST(" + H + " AS DOUBLE) AS id", "sum(id)"),
          new Table(
              "decimal",
              "CAST(CAST(pmod("
                  + H
                  + ", 1000000000000) AS DECIMAL(15,0)) / 100 AS DECIMAL(15,2)) AS id",
              "sum(id)"),
          new Table(
              "date",
              "date_from_unix_date(CAST(pmod(" + H + ", 20000) AS INT)) AS id",
              "sum(unix_date(id))"),
          new Table(
              "int_string",
              "CAST(pmod("
                  + H
                  + ", 4294967296) - 2147483648 AS INT) AS c1, CAST("
                  + H
                  + " AS STRING) AS c2",
              "sum(c1), sum(length(c2))"),
          new Table(
              "repeated_string",
              "CAST(pmod(" + H + ", 200) + 10000 AS STRING) AS c1",
              "sum(length(c1))"),
          new Table(
              "string_nulls50",
              "IF(pmod(xxhash64(id, 1), 100) < 50, NULL, CAST(id AS STRING)) AS c1, "
                  + "IF(pmod(xxhash64(id, 2), 100) < 50, NULL, CAST(id AS STRING)) AS c2",
              "SELECT sum(length(c2)) FROM t WHERE c1 IS NOT NULL AND c2 IS NOT NULL"));
}
