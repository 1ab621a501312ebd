package io.homi.runtime.stats;

import java.math.BigDecimal;
import java.util.Arrays;
import java.util.function.Function;

/**
 * Decides from column statistics whether a row group can hold a row matching a predicate.
 * Conservative by construction: every unknown (missing statistics, a literal of another type, a
 * column not in the file) answers "might match", and only a proof answers "cannot match".
 *
 * <p>Floating point follows Spark, where NaN equals NaN and is larger than every number: writers
 * leave NaN out of min/max, so a chunk may hold NaN above its max. Hence {@code >}, {@code >=} and
 * NOT-derived inequalities never prune floating-point chunks by their max.
 */
public final class RowGroupPruner {
  private RowGroupPruner() {}

  /**
   * @param stats the statistics of the column with this name, or null when unknown
   */
  public static boolean mightMatch(StatsPredicate p, Function<String, ValueStats> stats) {
    if (p instanceof StatsPredicate.Constant k) return k.value();
    if (p instanceof StatsPredicate.And a)
      return mightMatch(a.left(), stats) && mightMatch(a.right(), stats);
    if (p instanceof StatsPredicate.Or o)
      return mightMatch(o.left(), stats) || mightMatch(o.right(), stats);
    if (p instanceof StatsPredicate.Not n)
      return mightMatch(StatsPredicate.negate(n.child()), stats);
    if (p instanceof StatsPredicate.IsNull n) {
      ValueStats r = stats.apply(n.column());
      return r == null || r.nullCount() != 0;
    }
    if (p instanceof StatsPredicate.IsNotNull n) {
      ValueStats r = stats.apply(n.column());
      return r == null || !r.allNull();
    }
    if (p instanceof StatsPredicate.Compare c)
      return compare(stats.apply(c.column()), c.op(), c.value());
    if (p instanceof StatsPredicate.In in) {
      ValueStats r = stats.apply(in.column());
      for (Object v : in.values()) {
        if (v != null && compare(r, StatsPredicate.Op.EQ, v)) return true;
      }
      return false; // IN with only nulls (or nothing) matches no row
    }
    if (p instanceof StatsPredicate.StartsWith sw)
      return startsWith(stats.apply(sw.column()), sw.prefix());
    return true;
  }

  static boolean compare(ValueStats r, StatsPredicate.Op op, Object lit) {
    if (r == null || lit == null) return true;
    if (r.allNull()) return false; // a comparison never matches a null
    if (!r.hasBounds()) return true;
    boolean floating = r.min() instanceof Double;
    if (floating && lit instanceof Double d && d.isNaN()) return true;
    Integer cMin = cmp(r.min(), lit);
    Integer cMax = cmp(r.max(), lit);
    if (cMin == null || cMax == null) return true; // literal of another domain
    return switch (op) {
      case EQ -> cMin <= 0 && cMax >= 0;
      case LT -> cMin < 0;
      case LE -> cMin <= 0;
      case GT -> floating || cMax > 0;
      case GE -> floating || cMax >= 0;
      // Prunes only a chunk proven to hold nothing but lit (and nulls).
      case NE -> !(r.exact() && !floating && cMin == 0 && cMax == 0);
    };
  }

  static boolean startsWith(ValueStats r, byte[] prefix) {
    if (r == null || prefix == null) return true;
    if (r.allNull()) return false;
    if (!r.hasBounds() || !(r.min() instanceof byte[] lo) || !(r.max() instanceof byte[] hi))
      return true;
    // A match v satisfies prefix <= v and v[0..len) == prefix: impossible when max < prefix or
    // when min's first len bytes already exceed the prefix.
    if (unsigned(hi, prefix) < 0) return false;
    byte[] head = Arrays.copyOf(lo, Math.min(lo.length, prefix.length));
    return unsigned(head, prefix) <= 0;
  }

  /** Sign of (statistic - literal), or null when the two are not comparable. */
  private static Integer cmp(Object stat, Object lit) {
    if (stat instanceof Long a) {
      if (lit instanceof Long b) return Long.compare(a, b);
      if (lit instanceof BigDecimal b) return BigDecimal.valueOf(a).compareTo(b);
      return null;
    }
    if (stat instanceof Double a) {
      // Primitive comparison: -0.0 == 0.0, as in Spark's SQL comparisons.
      if (lit instanceof Double b) return a < b ? -1 : a > b ? 1 : 0;
      return null;
    }
    if (stat instanceof BigDecimal a) {
      if (lit instanceof BigDecimal b) return a.compareTo(b);
      if (lit instanceof Long b) return a.compareTo(BigDecimal.valueOf(b));
      return null;
    }
    if (stat instanceof Boolean a) return lit instanceof Boolean b ? Boolean.compare(a, b) : null;
    if (stat instanceof byte[] a) return lit instanceof byte[] b ? unsigned(a, b) : null;
    return null;
  }

  /** Lexicographic order of unsigned bytes: Spark's order of UTF-8 strings and binary. */
  static int unsigned(byte[] a, byte[] b) {
    return Arrays.compareUnsigned(a, b);
  }
}
