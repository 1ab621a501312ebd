package io.homi.runtime.stats;

import static org.assertj.core.api.Assertions.assertThat;

import io.homi.runtime.stats.StatsPredicate.Compare;
import io.homi.runtime.stats.StatsPredicate.Op;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import org.apache.parquet.format.ColumnMetaData;
import org.apache.parquet.format.CompressionCodec;
import org.apache.parquet.format.ConvertedType;
import org.apache.parquet.format.SchemaElement;
import org.apache.parquet.format.Statistics;
import org.apache.parquet.format.Type;
import org.junit.jupiter.api.Test;

class RowGroupPrunerTest {
  private static ValueStats longs(long min, long max, long nulls, long values) {
    return new ValueStats(min, max, nulls, values, true);
  }

  private static Function<String, ValueStats> col(ValueStats r) {
    return n -> n.equals("x") ? r : null;
  }

  private static boolean might(StatsPredicate p, ValueStats r) {
    return RowGroupPruner.mightMatch(p, col(r));
  }

  @Test
  void comparisonsPruneOutsideTheRange() {
    ValueStats r = longs(10, 20, 0, 100);
    assertThat(might(new Compare("x", Op.EQ, 5L), r)).isFalse();
    assertThat(might(new Compare("x", Op.EQ, 15L), r)).isTrue();
    assertThat(might(new Compare("x", Op.LT, 10L), r)).isFalse();
    assertThat(might(new Compare("x", Op.LE, 10L), r)).isTrue();
    assertThat(might(new Compare("x", Op.GT, 20L), r)).isFalse();
    assertThat(might(new Compare("x", Op.GE, 20L), r)).isTrue();
    assertThat(might(new StatsPredicate.In("x", Arrays.asList(1L, null, 30L)), r)).isFalse();
    assertThat(might(new StatsPredicate.In("x", List.of(1L, 12L)), r)).isTrue();
    // Unknown column or a literal of another domain never prunes.
    assertThat(might(new Compare("y", Op.EQ, 5L), r)).isTrue();
    assertThat(might(new Compare("x", Op.EQ, new byte[] {1}), r)).isTrue();
  }

  @Test
  void notAndNullsFollowSqlSemantics() {
    ValueStats constant = longs(7, 7, 0, 10);
    assertThat(might(new StatsPredicate.Not(new Compare("x", Op.EQ, 7L)), constant)).isFalse();
    assertThat(might(new StatsPredicate.Not(new Compare("x", Op.LT, 8L)), constant)).isFalse();
    assertThat(might(new StatsPredicate.Not(new StatsPredicate.In("x", List.of(7L))), constant))
        .isTrue();
    ValueStats allNull = new ValueStats(null, null, 10, 10, false);
    assertThat(might(new Compare("x", Op.EQ, 1L), allNull)).isFalse();
    assertThat(might(new StatsPredicate.IsNull("x"), allNull)).isTrue();
    assertThat(might(new StatsPredicate.IsNotNull("x"), allNull)).isFalse();
    assertThat(might(new StatsPredicate.IsNull("x"), longs(1, 2, 0, 10))).isFalse();
    assertThat(
            might(
                new StatsPredicate.Or(new Compare("x", Op.EQ, 1L), new StatsPredicate.IsNull("x")),
                allNull))
        .isTrue();
  }

  @Test
  void nanIsAboveEveryNumberSoMaxNeverPrunesFloats() {
    ValueStats r = new ValueStats(1.0, 2.0, 0, 10, true);
    assertThat(might(new Compare("x", Op.GT, 5.0), r)).as("a NaN may hide above max").isTrue();
    assertThat(might(new Compare("x", Op.LT, 0.5), r)).isFalse();
    assertThat(might(new Compare("x", Op.EQ, Double.NaN), r)).isTrue();
    assertThat(might(new Compare("x", Op.EQ, 5.0), r)).isFalse();
    assertThat(might(new Compare("x", Op.LE, -0.0), new ValueStats(0.0, 1.0, 0, 1, true))).isTrue();
  }

  @Test
  void startsWithUsesUnsignedByteOrder() {
    ValueStats r = new ValueStats(utf8("apple"), utf8("banana"), 0, 5, false);
    assertThat(RowGroupPruner.startsWith(r, utf8("b"))).isTrue();
    assertThat(RowGroupPruner.startsWith(r, utf8("ap"))).isTrue();
    assertThat(RowGroupPruner.startsWith(r, utf8("c"))).isFalse();
    assertThat(RowGroupPruner.startsWith(r, utf8("a0"))).isFalse();
    assertThat(RowGroupPruner.startsWith(r, utf8("é")))
        .as("0xC3 sorts above ASCII unsigned")
        .isFalse();
    // Inexact (possibly truncated) bounds never prove "all values equal".
    assertThat(
            might(
                new Compare("x", Op.NE, utf8("a")),
                new ValueStats(utf8("a"), utf8("a"), 0, 3, false)))
        .isTrue();
  }

  @Test
  void statisticsAreReadOnlyWhereTheirOrderIsKnown() {
    SchemaElement str =
        new SchemaElement("s").setType(Type.BYTE_ARRAY).setConverted_type(ConvertedType.UTF8);
    ColumnMetaData md =
        meta(
            Type.BYTE_ARRAY, new Statistics().setMin(utf8("a")).setMax(utf8("z")).setNull_count(0));
    assertThat(ValueStats.of(md, str, true).hasBounds()).as("deprecated binary min/max").isFalse();
    md =
        meta(
            Type.BYTE_ARRAY,
            new Statistics().setMin_value(utf8("a")).setMax_value(utf8("z")).setNull_count(0));
    assertThat(ValueStats.of(md, str, false).hasBounds()).as("no column order").isFalse();
    assertThat(ValueStats.of(md, str, true).hasBounds()).isTrue();

    SchemaElement i = new SchemaElement("i").setType(Type.INT32);
    md = meta(Type.INT32, new Statistics().setMin(le4(-3)).setMax(le4(9)).setNull_count(1));
    ValueStats r = ValueStats.of(md, i, false);
    assertThat(r.min()).isEqualTo(-3L);
    assertThat(r.max()).isEqualTo(9L);
    SchemaElement u =
        new SchemaElement("u").setType(Type.INT32).setConverted_type(ConvertedType.UINT_32);
    assertThat(
            ValueStats.of(
                    meta(Type.INT32, new Statistics().setMin_value(le4(-3)).setMax_value(le4(9))),
                    u,
                    true)
                .hasBounds())
        .as("unsigned")
        .isFalse();
    SchemaElement f = new SchemaElement("f").setType(Type.FLOAT);
    byte[] nan = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(Float.NaN).array();
    assertThat(
            ValueStats.of(
                    meta(Type.FLOAT, new Statistics().setMin_value(nan).setMax_value(nan)), f, true)
                .hasBounds())
        .as("NaN bounds")
        .isFalse();
  }

  private static ColumnMetaData meta(Type t, Statistics s) {
    ColumnMetaData md =
        new ColumnMetaData(
            t, List.of(), List.of("c"), CompressionCodec.UNCOMPRESSED, 10, 100, 100, 4);
    return md.setStatistics(s);
  }

  private static byte[] le4(int v) {
    return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array();
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
