package io.homi.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Nested columns (struct, array, map at any depth) compared with Spark's own reader on the same
 * files: Spark-written structs of lists of maps with nulls at every level and empty lists, in small
 * and large batches, v1 and v2 pages, the legacy list layout; parquet-java-written legacy layouts
 * (two-level lists, repeated fields without annotation); and top-level column pruning.
 */
@Timeout(300)
class NestedTypesIT extends SparkTestBase {
  private static final long ROWS = 5_000;

  private static Dataset<Row> nested() {
    return spark
        .range(0, ROWS, 1, 1)
        .selectExpr(
            "id",
            // struct of (int, string, list of maps, struct of list), null at every level
            "CASE WHEN id % 11 = 0 THEN NULL ELSE named_struct("
                + "'a', CASE WHEN id % 3 = 0 THEN NULL ELSE CAST(id AS INT) END, "
                + "'s', CASE WHEN id % 5 = 0 THEN NULL ELSE concat('v', CAST(id AS STRING)) END, "
                + "'lm', CASE WHEN id % 7 = 0 THEN NULL WHEN id % 7 = 1 THEN array() ELSE "
                + "  transform(sequence(0, CAST(id % 4 AS INT)), i -> CASE WHEN (id + i) % 6 = 0 THEN NULL "
                + "    WHEN (id + i) % 6 = 1 THEN map() ELSE map_from_arrays(array(concat('k', CAST(i AS STRING)), 'z'), "
                + "    array(CASE WHEN i % 2 = 0 THEN NULL ELSE id * i END, id)) END) END, "
                + "'inner', CASE WHEN id % 13 = 0 THEN NULL ELSE named_struct('xs', CASE WHEN id % 4 = 0 THEN NULL ELSE "
                + "  transform(sequence(1, CAST(id % 3 AS INT) + 1), j -> CASE WHEN j = 2 THEN NULL ELSE CAST(id * j AS DOUBLE) END) END) END"
                + ") END AS st",
            // list of lists with empty and null inner lists
            "CASE WHEN id % 9 = 0 THEN NULL ELSE transform(sequence(0, CAST(id % 3 AS INT)), i -> "
                + "CASE WHEN i = 1 AND id % 2 = 0 THEN NULL WHEN i = 2 THEN array() ELSE sequence(0, i + CAST(id % 2 AS INT)) END) END AS ll",
            // map with struct values and nulls
            "CASE WHEN id % 8 = 0 THEN NULL ELSE map(CAST(id AS STRING), CASE WHEN id % 3 = 0 THEN NULL ELSE "
                + "named_struct('d', CAST(id AS DECIMAL(12,2)) / 3, 'b', id % 2 = 0) END) END AS m",
            // array of structs whose fields are arrays of strings
            "transform(sequence(0, CAST(id % 3 AS INT) - 1), i -> named_struct('tags', CASE WHEN i = 0 THEN NULL ELSE "
                + "array(concat('t', CAST(i AS STRING)), NULL) END)) AS aos",
            "CAST(id * 2 AS BIGINT) AS tail");
  }

  @ParameterizedTest(name = "v2={0} legacyFormat={1} batchRows={2}")
  @CsvSource({
    "false, false, 4096",
    "true, false, 4096",
    "false, true, 4096",
    "false, false, 7",
    "true, false, 1"
  })
  void sparkWrittenNestedEqualsSpark(boolean v2, boolean legacy, int batchRows) throws IOException {
    Path dir = freshDir("nested-" + v2 + "-" + legacy + "-" + batchRows);
    Dataset<Row> w = nested();
    spark.conf().set("spark.sql.parquet.writeLegacyFormat", String.valueOf(legacy));
    try {
      w.coalesce(1)
          .write()
          .option("parquet.writer.version", v2 ? "PARQUET_2_0" : "PARQUET_1_0")
          .option("parquet.block.size", "65536")
          .option("parquet.page.size", "4096")
          .parquet(dir.toString());
    } finally {
      spark.conf().unset("spark.sql.parquet.writeLegacyFormat");
    }
    Dataset<Row> ref = spark.read().parquet(dir.toString());
    Dataset<Row> homi =
        spark
            .read()
            .format("homi")
            .option("homi.batchRows", String.valueOf(batchRows))
            .load(dir.toString());
    assertThat(homi.schema()).isEqualTo(ref.schema());
    assertThat(homi.orderBy("id").collectAsList())
        .containsExactlyElementsOf(ref.orderBy("id").collectAsList());
  }

  @Test
  void pruningNestedColumnsAndFields() throws IOException {
    Path dir = freshDir("nested-prune");
    nested().coalesce(1).write().option("parquet.block.size", "16384").parquet(dir.toString());
    for (String[] cols :
        List.of(
            new String[] {"st", "id"},
            new String[] {"st.lm", "st.a", "id"},
            new String[] {"m"},
            new String[] {"ll[0]", "aos.tags"},
            new String[] {"tail", "m['5']"})) {
      List<Row> want = spark.read().parquet(dir.toString()).selectExpr(cols).collectAsList();
      List<Row> got =
          spark.read().format("homi").load(dir.toString()).selectExpr(cols).collectAsList();
      assertThat(got).as("columns %s", String.join(",", cols)).containsExactlyElementsOf(want);
    }
    List<Row> want =
        spark
            .read()
            .parquet(dir.toString())
            .where("st.a > 100 AND size(ll) > 1")
            .select("id", "st.s")
            .collectAsList();
    List<Row> got =
        spark
            .read()
            .format("homi")
            .load(dir.toString())
            .where("st.a > 100 AND size(ll) > 1")
            .select("id", "st.s")
            .collectAsList();
    assertThat(got).containsExactlyElementsOf(want);
    // Row-group pruning on columns after nested ones (their chunk index is not their schema
    // position).
    for (String where :
        List.of(
            "tail > 9000",
            "tail < 100 OR id > 4900",
            "st IS NULL",
            "m IS NOT NULL AND tail BETWEEN 10 AND 3000")) {
      List<Row> w = spark.read().parquet(dir.toString()).where(where).orderBy("id").collectAsList();
      List<Row> g =
          spark
              .read()
              .format("homi")
              .load(dir.toString())
              .where(where)
              .orderBy("id")
              .collectAsList();
      assertThat(g).as(where).containsExactlyElementsOf(w);
    }
  }

  @Test
  void rowGroupPruningAfterANestedColumn() throws IOException {
    // x's chunk index (2) differs from its schema position (3): its statistics must be x's, not
    // y's.
    Path dir = freshDir("nested-stats");
    spark
        .range(0, 20_000, 1, 1)
        .selectExpr(
            "named_struct('a', id, 'b', -id) AS s", "id AS x", "20000 - id AS y", "id % 7 AS z")
        .coalesce(1)
        .write()
        .option("parquet.block.size", "32768")
        .parquet(dir.toString());
    for (String where :
        List.of("x > 15000", "x < 3000", "y < 1000", "z = 3 AND x BETWEEN 5000 AND 6000")) {
      List<Row> w = spark.read().parquet(dir.toString()).where(where).orderBy("x").collectAsList();
      List<Row> g =
          spark
              .read()
              .format("homi")
              .load(dir.toString())
              .where(where)
              .orderBy("x")
              .collectAsList();
      assertThat(g).as(where).hasSameSizeAs(w).containsExactlyElementsOf(w);
    }
  }

  /**
   * Layouts Spark's writer never emits: two-level lists, repeated fields without LIST,
   * MAP_KEY_VALUE.
   */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"two-level", "repeated-fields", "legacy-names"})
  void parquetJavaLegacyLayouts(String layout) throws IOException {
    String schema =
        switch (layout) {
          case "two-level" ->
              "message m { required int32 id; optional group xs (LIST) { repeated int32 x; }"
                  + " optional group ys (LIST) { repeated group y { required int32 a; optional binary b (UTF8); } } }";
          case "repeated-fields" ->
              "message m { required int32 id; repeated int64 r; repeated group g { optional int32 a;"
                  + " repeated binary t (UTF8); } }";
          default ->
              "message m { required int32 id; optional group zs (LIST) { repeated group array { optional int32 v; } }"
                  + " optional group ws (LIST) { repeated group ws_tuple { optional int32 v; } }"
                  + " optional group bs (LIST) { repeated group bag { optional int32 array_element; } }"
                  + " optional group mk (MAP_KEY_VALUE) { repeated group map { required binary key (UTF8); optional int32 value; } } }";
        };
    MessageType type = MessageTypeParser.parseMessageType(schema);
    Path dir = Files.createDirectories(freshDir("nested-pj-" + layout));
    Path file = dir.resolve("part-0.parquet");
    SimpleGroupFactory f = new SimpleGroupFactory(type);
    try (ParquetWriter<Group> w =
        ExampleParquetWriter.builder(new org.apache.hadoop.fs.Path(file.toUri()))
            .withType(type)
            .withConf(new Configuration())
            .withPageSize(512)
            .withDictionaryPageSize(512)
            .build()) {
      for (int i = 0; i < 2000; i++) {
        Group g = f.newGroup().append("id", i);
        switch (layout) {
          case "two-level" -> {
            if (i % 5 != 0) {
              Group xs = g.addGroup("xs");
              for (int k = 0; k < i % 4; k++) xs.append("x", i * k);
            }
            if (i % 3 != 0) {
              Group ys = g.addGroup("ys");
              for (int k = 0; k < i % 3; k++) {
                Group y = ys.addGroup("y").append("a", k);
                if (k % 2 == 0) y.append("b", "b" + i);
              }
            }
          }
          case "repeated-fields" -> {
            for (int k = 0; k < i % 3; k++) g.append("r", (long) i * k);
            for (int k = 0; k < i % 4; k++) {
              Group gg = g.addGroup("g");
              if (k != 1) gg.append("a", k);
              for (int t = 0; t < k; t++) gg.append("t", "t" + t);
            }
          }
          default -> {
            if (i % 4 != 0) {
              Group zs = g.addGroup("zs");
              for (int k = 0; k < i % 3; k++) {
                Group z = zs.addGroup("array");
                if (k != 1) z.append("v", k);
              }
              Group ws = g.addGroup("ws");
              for (int k = 0; k < i % 2 + 1; k++) ws.addGroup("ws_tuple").append("v", i);
              Group bs = g.addGroup("bs");
              for (int k = 0; k < i % 3; k++) {
                Group b = bs.addGroup("bag");
                if (k != 0) b.append("array_element", k);
              }
            }
            if (i % 5 != 0) {
              Group mk = g.addGroup("mk");
              for (int k = 0; k < i % 3; k++) {
                Group e = mk.addGroup("map").append("key", "k" + k);
                if (k != 1) e.append("value", i + k);
              }
            }
          }
        }
        w.write(g);
      }
    }
    Dataset<Row> ref = spark.read().parquet(dir.toString());
    Dataset<Row> homi = spark.read().format("homi").load(dir.toString());
    assertThat(homi.schema()).isEqualTo(ref.schema());
    assertThat(homi.orderBy("id").collectAsList())
        .containsExactlyElementsOf(ref.orderBy("id").collectAsList());
  }
}
