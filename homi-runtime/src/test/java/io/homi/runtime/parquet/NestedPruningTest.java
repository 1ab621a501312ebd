package io.homi.runtime.parquet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.homi.runtime.HomiConfig;
import io.homi.runtime.HomiRuntime;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link NestedPruning} on a parquet-java file: the pruned column keeps only the requested leaves,
 * and decodes to the same values as the whole column cut down afterwards, nulls at every level
 * included, over several row groups.
 */
class NestedPruningTest {
  static final MessageType SCHEMA =
      MessageTypeParser.parseMessageType(
          """
      message t {
        required int32 id;
        optional group s {
          optional int32 a;
          optional group b { optional binary c (UTF8); required double d; }
          optional binary wide (UTF8);
        }
        optional group ys (LIST) { repeated group list { optional group element { optional int32 x; optional binary y (UTF8); } } }
      }""");

  @TempDir Path tmp;
  Path file;

  @BeforeEach
  void write() throws Exception {
    file = tmp.resolve("prune.parquet");
    SimpleGroupFactory f = new SimpleGroupFactory(SCHEMA);
    try (ParquetWriter<Group> w =
        ExampleParquetWriter.builder(new org.apache.hadoop.fs.Path(file.toUri()))
            .withConf(new Configuration())
            .withType(SCHEMA)
            .withPageSize(1024)
            .withRowGroupSize(16 * 1024L)
            .build()) {
      for (int i = 0; i < 4000; i++) {
        Group g = f.newGroup().append("id", i);
        if (i % 7 != 0) {
          Group s = g.addGroup("s");
          if (i % 3 != 0) s.append("a", i);
          if (i % 5 != 0) {
            Group b = s.addGroup("b").append("d", i / 2.0);
            if (i % 2 == 0) b.append("c", "c" + i);
          }
          s.append("wide", "w".repeat(30) + i);
        }
        if (i % 4 != 0) {
          Group ys = g.addGroup("ys");
          for (int k = 0; k < i % 3; k++) {
            Group e = ys.addGroup("list");
            if ((i + k) % 5 == 0) continue; // a null element
            Group el = e.addGroup("element");
            if (k != 1) el.append("x", i * k);
            el.append("y", "y" + k);
          }
        }
        w.write(g);
      }
    }
  }

  private static Field struct(String name, Field... children) {
    return new Field(name, FieldType.nullable(new ArrowType.Struct()), List.of(children));
  }

  private static Field leaf(String name) {
    return new Field(name, FieldType.nullable(new ArrowType.Null()), null);
  }

  @Test
  void prunedStructKeepsOnlyTheRequestedLeavesAndDecodesTheSameValues() throws Exception {
    try (ParquetFileReader pf =
        ParquetFileReader.open(HomiRuntime.get(), file, HomiConfig.defaults())) {
      assertThat(pf.rowGroupCount()).isGreaterThan(1);
      ColumnDescriptor s = pf.schema().column("s");
      ColumnDescriptor sbc =
          NestedPruning.prune(s, struct("s", struct("b", leaf("c"))), file.toString());
      assertThat(sbc.nested().leaves()).extracting(ColumnDescriptor::name).containsExactly("s.b.c");
      assertThat(sbc.arrowField().toString()).isEqualTo("s: Struct<b: Struct<c: Utf8>>");
      ColumnDescriptor ys = pf.schema().column("ys");
      Field ysX =
          new Field(
              "ys",
              FieldType.nullable(new ArrowType.List()),
              List.of(struct("element", leaf("x"))));
      ColumnDescriptor ysx = NestedPruning.prune(ys, ysX, file.toString());
      assertThat(ysx.nested().leaves()).hasSize(1);
      // Nothing pruned away: the same column.
      assertThat(NestedPruning.prune(s, leaf("s"), file.toString())).isSameAs(s);

      List<Object> whole = read(pf, s, ys);
      List<Object> pruned = read(pf, sbc, ysx);
      assertThat(pruned).hasSameSizeAs(whole);
      for (int i = 0; i < whole.size(); i += 2) {
        assertThat(pruned.get(i))
            .as("s.b.c of row %d", i / 2)
            .isEqualTo(cut((Map<?, ?>) whole.get(i), "b", "c"));
        assertThat(pruned.get(i + 1))
            .as("ys.x of row %d", i / 2)
            .isEqualTo(cutList((List<?>) whole.get(i + 1), "x"));
      }
    }
  }

  @Test
  void aStructAskedForWithNoFieldsKeepsItsFirstLeafAndItsNulls() throws Exception {
    try (ParquetFileReader pf =
        ParquetFileReader.open(HomiRuntime.get(), file, HomiConfig.defaults())) {
      ColumnDescriptor s = pf.schema().column("s");
      ColumnDescriptor none = NestedPruning.prune(s, struct("s"), file.toString());
      assertThat(none.nested().leaves()).extracting(ColumnDescriptor::name).containsExactly("s.a");
      List<Object> v = read(pf, none, pf.schema().column("ys"));
      for (int i = 0; i < v.size(); i += 2)
        assertThat(v.get(i) == null).as("s null in row %d", i / 2).isEqualTo((i / 2) % 7 == 0);
    }
  }

  @Test
  void aMissingFieldNamesTheFileAndThePath() throws Exception {
    try (ParquetFileReader pf =
        ParquetFileReader.open(HomiRuntime.get(), file, HomiConfig.defaults())) {
      ColumnDescriptor s = pf.schema().column("s");
      assertThatThrownBy(
              () -> NestedPruning.prune(s, struct("s", struct("b", leaf("zz"))), file.toString()))
          .isInstanceOf(HomiParquetException.class)
          .hasMessageContaining("'s.b.zz'")
          .hasMessageContaining(file.toString());
      // Case-insensitive fallback, as for top-level columns.
      assertThat(NestedPruning.prune(s, struct("s", leaf("A")), file.toString()).nested().leaves())
          .hasSize(1);
    }
  }

  /** Both columns' values, row by row, interleaved: [c0 row0, c1 row0, c0 row1, ...]. */
  private static List<Object> read(ParquetFileReader pf, ColumnDescriptor c0, ColumnDescriptor c1)
      throws Exception {
    int[] groups = new int[pf.rowGroupCount()];
    for (int i = 0; i < groups.length; i++) groups[i] = i;
    List<Object> out = new ArrayList<>();
    try (ParquetBatchReader br =
        new ParquetBatchReader(pf, groups, List.of(c0, c1), HomiRuntime.get().allocator(), 500)) {
      int n;
      while ((n = br.next()) > 0) {
        List<FieldVector> v = br.vectors();
        for (int i = 0; i < n; i++) {
          out.add(v.get(0).getObject(i));
          out.add(v.get(1).getObject(i));
        }
      }
    }
    return out;
  }

  /** A struct value cut down to one field of one field (null stays null). */
  private static Object cut(Map<?, ?> s, String f, String g) {
    if (s == null) return null;
    Map<?, ?> inner = (Map<?, ?>) s.get(f);
    org.apache.arrow.vector.util.JsonStringHashMap<String, Object> out =
        new org.apache.arrow.vector.util.JsonStringHashMap<>();
    if (inner != null) {
      org.apache.arrow.vector.util.JsonStringHashMap<String, Object> in =
          new org.apache.arrow.vector.util.JsonStringHashMap<>();
      if (inner.get(g) != null) in.put(g, inner.get(g));
      out.put(f, in);
    }
    return out;
  }

  private static Object cutList(List<?> l, String f) {
    if (l == null) return null;
    org.apache.arrow.vector.util.JsonStringArrayList<Object> out =
        new org.apache.arrow.vector.util.JsonStringArrayList<>();
    for (Object e : l) {
      if (e == null) {
        out.add(null);
        continue;
      }
      org.apache.arrow.vector.util.JsonStringHashMap<String, Object> m =
          new org.apache.arrow.vector.util.JsonStringHashMap<>();
      Object v = ((Map<?, ?>) e).get(f);
      if (v != null) m.put(f, v);
      out.add(m);
    }
    return out;
  }
}
