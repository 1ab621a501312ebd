package io.homi.runtime.stats;

import java.io.Serializable;
import java.math.BigDecimal;
import java.util.List;

/**
 * A filter in the form row-group pruning can use, free of Spark types so that it can be shipped to
 * executors and tested without a SparkSession. Literals are one of {@link Long} (integers, dates in
 * days, timestamps in microseconds), {@link Double} (float and double), {@link BigDecimal}, {@link
 * Boolean} or {@code byte[]} (UTF-8 strings and binary); anything else never prunes. Semantics are
 * SQL's: a comparison never matches a null.
 */
public sealed interface StatsPredicate extends Serializable {
  enum Op {
    EQ,
    LT,
    LE,
    GT,
    GE,
    NE
  }

  record And(StatsPredicate left, StatsPredicate right) implements StatsPredicate {}

  record Or(StatsPredicate left, StatsPredicate right) implements StatsPredicate {}

  record Not(StatsPredicate child) implements StatsPredicate {}

  record Compare(String column, Op op, Object value) implements StatsPredicate {}

  record In(String column, List<Object> values) implements StatsPredicate {}

  record IsNull(String column) implements StatsPredicate {}

  record IsNotNull(String column) implements StatsPredicate {}

  record StartsWith(String column, byte[] prefix) implements StatsPredicate {}

  /** TRUE or FALSE; also what an untranslatable filter becomes (TRUE: it can prune nothing). */
  record Constant(boolean value) implements StatsPredicate {}

  StatsPredicate TRUE = new Constant(true);

  /**
   * Hands every leaf under the AND/OR tree of {@code p} to {@code leaf}. A NOT is looked through as
   * its child, or, with {@code pushNots}, as its negation pushed to the leaves (a leaf that cannot
   * be negated is skipped).
   */
  static void forEachLeaf(
      StatsPredicate p, boolean pushNots, java.util.function.Consumer<StatsPredicate> leaf) {
    if (p instanceof And a) {
      forEachLeaf(a.left(), pushNots, leaf);
      forEachLeaf(a.right(), pushNots, leaf);
    } else if (p instanceof Or o) {
      forEachLeaf(o.left(), pushNots, leaf);
      forEachLeaf(o.right(), pushNots, leaf);
    } else if (p instanceof Not n) {
      if (!pushNots) {
        forEachLeaf(n.child(), false, leaf);
      } else {
        StatsPredicate neg = negate(n.child());
        if (!(neg instanceof Not)) forEachLeaf(neg, true, leaf);
      }
    } else {
      leaf.accept(p);
    }
  }

  /**
   * The negation pushed down to the leaves (De Morgan), so that NOT never reaches the pruner. Under
   * SQL's three-valued logic, NOT(x &lt; v) keeps the rows where x &gt;= v: a null x makes both
   * unknown, and Spark orders NaN above every number on both sides.
   */
  static StatsPredicate negate(StatsPredicate p) {
    if (p instanceof And a) return new Or(negate(a.left()), negate(a.right()));
    if (p instanceof Or o) return new And(negate(o.left()), negate(o.right()));
    if (p instanceof Not n) return n.child();
    if (p instanceof IsNull n) return new IsNotNull(n.column());
    if (p instanceof IsNotNull n) return new IsNull(n.column());
    if (p instanceof Compare c) {
      Op neg =
          switch (c.op()) {
            case EQ -> Op.NE;
            case NE -> Op.EQ;
            case LT -> Op.GE;
            case LE -> Op.GT;
            case GT -> Op.LE;
            case GE -> Op.LT;
          };
      return new Compare(c.column(), neg, c.value());
    }
    // NOT IN and NOT STARTS_WITH could only prune a chunk whose values are all one known value;
    // keeping them unpruned is always correct.
    if (p instanceof Constant k && !k.value()) return TRUE;
    return TRUE;
  }
}
