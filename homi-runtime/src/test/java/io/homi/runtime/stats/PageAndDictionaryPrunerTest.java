package io.homi.runtime.stats;

import static org.assertj.core.api.Assertions.assertThat;

import io.homi.runtime.stats.StatsPredicate.And;
import io.homi.runtime.stats.StatsPredicate.Compare;
import io.homi.runtime.stats.StatsPredicate.In;
import io.homi.runtime.stats.StatsPredicate.IsNull;
import io.homi.runtime.stats.StatsPredicate.Not;
import io.homi.runtime.stats.StatsPredicate.Op;
import io.homi.runtime.stats.StatsPredicate.Or;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class PageAndDictionaryPrunerTest {
  /**
   * Column x: four pages of 100 rows holding 0..99, 100..199, nulls only, 300..399 (with nulls).
   */
  private static final ColumnPages X =
      new ColumnPages(
          new long[] {0, 100, 200, 300},
          new ValueStats[] {
            new ValueStats(0L, 99L, 0, Long.MAX_VALUE, false),
                new ValueStats(100L, 199L, 0, Long.MAX_VALUE, false),
            new ValueStats(null, null, 1, 1, false),
                new ValueStats(300L, 399L, 5, Long.MAX_VALUE, false)
          },
          400);

  /** Column y: two pages of 200 rows, doubles 0..1 and 1..2 (NaN may hide above either max). */
  private static final ColumnPages Y =
      new ColumnPages(
          new long[] {0, 200},
          new ValueStats[] {
            new ValueStats(0.0, 1.0, 0, Long.MAX_VALUE, false),
            new ValueStats(1.0, 2.0, 0, Long.MAX_VALUE, false)
          },
          400);

  private static String rows(StatsPredicate p) {
    return PageIndexPruner.candidates(p, 400, n -> n.equals("x") ? X : n.equals("y") ? Y : null)
        .toString();
  }

  @Test
  void leavesKeepThePagesThatMayMatch() {
    assertThat(rows(new Compare("x", Op.EQ, 150L))).isEqualTo("[100..200]");
    assertThat(rows(new Compare("x", Op.GE, 150L))).isEqualTo("[100..200, 300..400]");
    assertThat(rows(new In("x", List.of(5L, 350L)))).isEqualTo("[0..100, 300..400]");
    assertThat(rows(new IsNull("x"))).isEqualTo("[200..400]");
    assertThat(rows(new Compare("x", Op.EQ, 250L))).isEqualTo("[]");
    assertThat(rows(new Compare("z", Op.EQ, 1L))).as("no page index").isEqualTo("[0..400]");
  }

  @Test
  void andIntersectsOrUnitesNotIsPushedDown() {
    assertThat(rows(new And(new Compare("x", Op.LT, 150L), new Compare("y", Op.LT, 0.5))))
        .isEqualTo("[0..200]");
    assertThat(rows(new And(new Compare("x", Op.GE, 150L), new Compare("y", Op.LT, 0.5))))
        .isEqualTo("[100..200]");
    assertThat(rows(new Or(new Compare("x", Op.EQ, 5L), new Compare("x", Op.EQ, 305L))))
        .isEqualTo("[0..100, 300..400]");
    // NOT (x < 300) is x >= 300: the null page cannot match it.
    assertThat(rows(new Not(new Compare("x", Op.LT, 300L)))).isEqualTo("[300..400]");
  }

  @Test
  void nanKeepsDoublePagesForGreaterThan() {
    assertThat(rows(new Compare("y", Op.GT, 5.0))).isEqualTo("[0..400]");
    assertThat(rows(new Compare("y", Op.LT, 0.5))).isEqualTo("[0..200]");
  }

  @Test
  void rowRangesCountAndIntersect() {
    RowRanges a =
        RowRanges.of(List.of(new long[] {10, 20}, new long[] {15, 30}, new long[] {40, 50}));
    assertThat(a.toString()).isEqualTo("[10..30, 40..50]");
    assertThat(a.rowCount()).isEqualTo(30);
    assertThat(a.countBetween(25, 45)).isEqualTo(10);
    assertThat(
            a.intersect(RowRanges.of(List.of(new long[] {0, 12}, new long[] {45, 100}))).toString())
        .isEqualTo("[10..12, 45..50]");
    assertThat(a.union(RowRanges.all(5)).toString()).isEqualTo("[0..5, 10..30, 40..50]");
  }

  private static final List<Object> CODES = List.of(0L, 2L, 4L, 98L);
  private static final List<Object> CITIES = List.of(bytes("amsterdam"), bytes("zurich"));

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static boolean dict(StatsPredicate p) {
    Function<String, List<Object>> d =
        n ->
            n.equals("code")
                ? CODES
                : n.equals("city")
                    ? CITIES
                    : n.equals("dbl")
                        ? Arrays.asList(1.0, -0.0, Double.NaN)
                        : n.equals("dec") ? List.of(new BigDecimal("2.50")) : null;
    return DictionaryPruner.mightMatch(p, d);
  }

  @Test
  void equalityAndInPruneOnAbsentValues() {
    assertThat(dict(new Compare("code", Op.EQ, 5L))).isFalse();
    assertThat(dict(new Compare("code", Op.EQ, 4L))).isTrue();
    assertThat(dict(new In("code", List.of(5L, 7L)))).isFalse();
    assertThat(dict(new In("code", List.of(5L, 98L)))).isTrue();
    assertThat(dict(new Compare("city", Op.EQ, bytes("berlin")))).isFalse();
    assertThat(dict(new Compare("city", Op.EQ, bytes("zurich")))).isTrue();
    assertThat(dict(new Compare("dec", Op.EQ, new BigDecimal("2.5"))))
        .as("decimals by value")
        .isTrue();
    assertThat(dict(new Compare("dec", Op.EQ, 2L))).isFalse();
    assertThat(
            dict(new Or(new Compare("code", Op.EQ, 5L), new Compare("city", Op.EQ, bytes("oslo")))))
        .isFalse();
    assertThat(dict(new And(new Compare("code", Op.EQ, 5L), new Compare("other", Op.EQ, 1L))))
        .isFalse();
    assertThat(dict(new Not(new Compare("code", Op.NE, 5L)))).isFalse();
  }

  @Test
  void longInListsHashTheDictionaryWithTheSameEquality() {
    assertThat(dict(new In("code", List.of(1L, 3L, 5L, 7L, 9L, 11L)))).isFalse();
    assertThat(dict(new In("code", List.of(1L, 3L, 5L, 7L, 9L, 98L)))).isTrue();
    assertThat(
            dict(
                new In(
                    "city",
                    List.of(bytes("a"), bytes("b"), bytes("c"), bytes("d"), bytes("zurich")))))
        .isTrue();
    assertThat(
            dict(
                new In(
                    "city",
                    List.of(bytes("a"), bytes("b"), bytes("c"), bytes("d"), bytes("zuric")))))
        .isFalse();
    assertThat(
            dict(
                new In(
                    "dec",
                    List.of(
                        new BigDecimal("1"),
                        new BigDecimal("2"),
                        new BigDecimal("3"),
                        new BigDecimal("4"),
                        new BigDecimal("2.5000")))))
        .isTrue();
    assertThat(dict(new In("dbl", List.of(2.0, 3.0, 4.0, 5.0, 0.0)))).as("-0.0 = 0.0").isTrue();
    assertThat(dict(new In("dbl", List.of(2.0, 3.0, 4.0, 5.0, Double.NaN)))).isTrue();
    assertThat(dict(new In("dbl", List.of(2.0, 3.0, 4.0, 5.0, 6.0)))).isFalse();
    assertThat(dict(new In("code", List.of()))).as("IN of only nulls").isFalse();
  }

  @Test
  void doublesFollowSparkEquality() {
    assertThat(dict(new Compare("dbl", Op.EQ, 0.0))).as("-0.0 = 0.0").isTrue();
    assertThat(dict(new Compare("dbl", Op.EQ, Double.NaN))).as("NaN = NaN").isTrue();
    assertThat(dict(new Compare("dbl", Op.EQ, 2.0))).isFalse();
  }

  @Test
  void anythingElseNeverPrunes() {
    assertThat(dict(new Compare("code", Op.LT, 0L))).isTrue();
    assertThat(dict(new Compare("code", Op.NE, 4L))).isTrue();
    assertThat(dict(new Not(new Compare("code", Op.EQ, 5L)))).isTrue();
    assertThat(dict(new IsNull("code"))).isTrue();
    assertThat(dict(new Compare("unknown", Op.EQ, 5L))).as("not dictionary-only").isTrue();
  }
}
