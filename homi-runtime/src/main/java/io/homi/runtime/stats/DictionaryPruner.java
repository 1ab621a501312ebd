package io.homi.runtime.stats;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * Decides from dictionary pages whether a row group can hold a row matching a predicate, for a row
 * group its min/max statistics could not prune. Only equality leaves use a dictionary ({@code col =
 * v}, {@code col <=> v}, {@code col IN (...)}): when every data page of the chunk is
 * dictionary-encoded, the dictionary lists every non-null value, and a comparison never matches a
 * null, so no entry equal to a literal proves that no row matches. Entries are compared with the
 * statistics code's equality (NaN and -0.0 as Spark, decimals by value, strings as unsigned bytes).
 * Everything else answers "might match".
 */
public final class DictionaryPruner {
  private DictionaryPruner() {}

  /**
   * @param dictionary every value of the named column's chunk in the literal domain (entries
   *     without one are null), or null when the chunk is not (provably) dictionary-only
   */
  public static boolean mightMatch(StatsPredicate p, Function<String, List<Object>> dictionary) {
    if (p instanceof StatsPredicate.And a)
      return mightMatch(a.left(), dictionary) && mightMatch(a.right(), dictionary);
    if (p instanceof StatsPredicate.Or o)
      return mightMatch(o.left(), dictionary) || mightMatch(o.right(), dictionary);
    if (p instanceof StatsPredicate.Not n) {
      StatsPredicate neg = StatsPredicate.negate(n.child());
      return neg instanceof StatsPredicate.Not || mightMatch(neg, dictionary);
    }
    if (p instanceof StatsPredicate.Constant k) return k.value();
    if (p instanceof StatsPredicate.Compare c && c.op() == StatsPredicate.Op.EQ) {
      List<Object> d = dictionary.apply(c.column());
      return d == null || contains(d, c.value());
    }
    if (p instanceof StatsPredicate.In in) {
      if (in.values().stream().allMatch(java.util.Objects::isNull)) return false; // matches no row
      List<Object> d = dictionary.apply(in.column());
      return d == null || containsAny(d, in.values());
    }
    return true;
  }

  private static boolean contains(List<Object> dictionary, Object literal) {
    for (Object v : dictionary) {
      // Spark's equality of doubles: NaN equals NaN only, -0.0 equals 0.0.
      if (v instanceof Double a && literal instanceof Double b) {
        if (a.isNaN() ? b.isNaN() : a.doubleValue() == b.doubleValue()) return true;
        continue;
      }
      // An entry without a value in the literal domain might equal anything.
      if (v == null
          || RowGroupPruner.compare(
              new ValueStats(v, v, 0, 1, true), StatsPredicate.Op.EQ, literal)) {
        return true;
      }
    }
    return false;
  }

  /** IN: one pass over the dictionary per literal, or for long lists one hashing of the entries. */
  private static boolean containsAny(List<Object> dictionary, List<Object> literals) {
    Set<Object> keys = literals.size() > 4 ? keys(dictionary) : null;
    for (Object v : literals) {
      if (v == null) continue;
      Object k = key(v);
      boolean hit =
          keys != null
                  && k != null
                  && (keys.isEmpty() || keys.iterator().next().getClass() == k.getClass())
              ? keys.contains(k)
              : contains(dictionary, v);
      if (hit) return true;
    }
    return false;
  }

  /**
   * Entries as hash keys equal exactly when Spark's equality holds, or null when one has no key.
   */
  private static Set<Object> keys(List<Object> dictionary) {
    Set<Object> out = new HashSet<>();
    Class<?> kind = null;
    for (Object v : dictionary) {
      Object k = key(v);
      if (k == null || (kind != null && k.getClass() != kind))
        return null; // compare one by one instead
      kind = k.getClass();
      out.add(k);
    }
    return out;
  }

  /**
   * A value's hash key: numbers by value (integers and decimals alike), doubles with one NaN and
   * one zero, byte arrays by content; null for anything else.
   */
  private static Object key(Object v) {
    if (v instanceof Long l) return BigDecimal.valueOf(l).stripTrailingZeros();
    if (v instanceof BigDecimal b)
      return b.signum() == 0 ? BigDecimal.ZERO : b.stripTrailingZeros();
    if (v instanceof Double d) return d.isNaN() ? Double.NaN : d == 0.0 ? 0.0 : d;
    if (v instanceof byte[] b) return ByteBuffer.wrap(b);
    if (v instanceof Boolean b) return b;
    return null;
  }

  /** Names of the columns an equality leaf of {@code p} tests: the dictionaries worth reading. */
  public static void columns(StatsPredicate p, java.util.Set<String> out) {
    StatsPredicate.forEachLeaf(
        p,
        true,
        leaf -> {
          if (leaf instanceof StatsPredicate.Compare c && c.op() == StatsPredicate.Op.EQ)
            out.add(c.column());
          else if (leaf instanceof StatsPredicate.In in) out.add(in.column());
        });
  }
}
