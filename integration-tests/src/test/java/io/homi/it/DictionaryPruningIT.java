package io.homi.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Dictionary pruning: values that lie between a row group's min and max but are not in its
 * dictionary. Each dictionary-encoded column holds the same few values in every row group, plus one
 * rare value in a single row group, so an equality or IN on an absent value prunes every row group
 * (min/max cannot), and one on the rare value keeps exactly one.
 */
class DictionaryPruningIT extends SparkTestBase {
  private static final long ROWS = 400_000;
  private static final long RARE_CODE_ID = 123_456;
  private static final long RARE_CITY_ID = 300_000;
  private static Path dir;
  private static int groups;

  @BeforeAll
  static void write() throws IOException {
    // Spark's default INT96 timestamps have no statistics; micros are what a pruning test needs.
    spark.conf().set("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS");
    dir = freshDir("dictionary-pruning");
    // code: even numbers 0..98 (7 once); city: three names ('munich' once); dec, ts and dbl
    // follow code (dbl has a NaN once). r is random doubles: plain-encoded bulk that makes
    // several row groups.
    spark
        .range(0, ROWS, 1, 1)
        .selectExpr(
            "id",
            "CASE WHEN id = " + RARE_CODE_ID + " THEN 7 ELSE CAST(id % 50 AS INT) * 2 END AS code",
            "CASE WHEN id = "
                + RARE_CITY_ID
                + " THEN 'munich' ELSE element_at(array('amsterdam', 'berlin', 'zurich'),"
                + " CAST(id % 3 AS INT) + 1) END AS city",
            "CAST(id % 50 * 2 AS DECIMAL(10, 2)) AS dec",
            "timestamp_seconds(id % 50 * 2) AS ts",
            "CASE WHEN id = 77 THEN double('NaN') ELSE CAST(id % 50 * 2 AS DOUBLE) END AS dbl",
            "CASE WHEN id % 5 = 0 THEN NULL ELSE CAST(id % 50 * 2 AS INT) END AS maybe",
            "rand(7) AS r")
        .write()
        .option("parquet.block.size", 512 * 1024)
        .parquet(dir.toString());
    groups = MetricsIT.countRowGroups(dir);
    assertThat(groups).isGreaterThan(3);
  }

  @Test
  void absentValuesInsideMinMaxPruneEveryRowGroup() throws IOException {
    Map<String, Long> full = PagePruningIT.check(dir, "code >= 0", "id, code, city, r");
    for (String where :
        List.of(
            "code = 5",
            "code IN (5, 9, 11)",
            "code <=> 3",
            "city = 'oslo'",
            "city IN ('bern', 'oslo')",
            "code = 5 OR city = 'oslo'",
            "dec = 5.00",
            "ts = timestamp_seconds(5)",
            "dbl = 5.0",
            "maybe = 5",
            "code = 5 AND r > 0.5",
            "NOT (code <> 5)")) {
      Map<String, Long> m = count(where, "id, code, city, r");
      assertThat(m.get("homiRowGroupsPrunedByDictionary")).as(where).isEqualTo((long) groups);
      assertThat(m.get("homiRowGroupsRead")).as(where).isZero();
      assertThat(m.get("homiRowsDecoded")).as(where).isZero();
      // The footer and a few dictionary pages; no data page.
      assertThat(PagePruningIT.bytes(m)).as(where).isLessThan(PagePruningIT.bytes(full) / 10);
    }
  }

  @Test
  void aRareValueKeepsOnlyItsRowGroup() throws IOException {
    long perGroup = MetricsIT.totalSize(dir) / groups;
    // Each query next to one on the same columns whose values are absent everywhere: the
    // difference in bytes is the one row group read (its dictionaries were read in both).
    for (String[] q :
        new String[][] {
          {"code IN (5, 7)", "code IN (5, 9)"},
          {"code = 7", "code = 9"},
          {"city = 'munich'", "city = 'oslo'"},
          {"city <=> 'munich'", "city <=> 'oslo'"},
          {"city IN ('munich', 'oslo') AND code = 0", "city IN ('bern', 'oslo') AND code = 0"},
          {"dbl = double('NaN')", "dbl = 5.0"}
        }) {
      Map<String, Long> m = PagePruningIT.check(dir, q[0], "id, code, city, dbl, r");
      assertThat(m.get("homiRowGroupsPrunedByDictionary")).as(q[0]).isEqualTo(groups - 1L);
      assertThat(m.get("homiRowGroupsRead")).as(q[0]).isEqualTo(1L);
      long none = PagePruningIT.bytes(count(q[1], "id, code, city, dbl, r"));
      assertThat(PagePruningIT.bytes(m) - none).as(q[0]).isBetween(perGroup / 2, perGroup * 2);
    }
  }

  @Test
  void presentValuesAndUnprunableFiltersPruneNothing() throws IOException {
    for (String where :
        List.of(
            "code = 8",
            "city = 'berlin'",
            "code <> 5",
            "maybe IS NULL",
            "code = 5 OR r > 0.999",
            "NOT (code = 5)",
            "dec = 8.00",
            "ts = timestamp_seconds(8)",
            "dbl = 8.0")) {
      Map<String, Long> m =
          PagePruningIT.check(dir, where, "id, code, city, dec, ts, dbl, maybe, r");
      assertThat(m.get("homiRowGroupsPrunedByDictionary")).as(where).isZero();
    }
  }

  private static Map<String, Long> count(String where, String cols) {
    return PagePruningIT.count(dir, where, cols);
  }
}
