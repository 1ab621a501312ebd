package io.homi.bench;

import java.math.BigDecimal;
import java.util.List;
import org.apache.spark.sql.Row;

/**
 * Compares two query answers row by row and value by value: exact for every type except floating
 * point, where sums taken in a different order (HOMI splits files into tasks unlike Spark) may
 * differ in the last bits; those must agree to a relative 1e-9.
 */
final class Answers {
  private Answers() {}

  /** Null when equal, else where they first differ. */
  static String diff(List<Row> expected, List<Row> actual) {
    if (expected.size() != actual.size())
      return expected.size() + " rows expected, " + actual.size() + " returned";
    for (int i = 0; i < expected.size(); i++) {
      Row e = expected.get(i);
      Row a = actual.get(i);
      if (e.length() != a.length())
        return "row " + i + ": " + e.length() + " columns expected, " + a.length() + " returned";
      for (int j = 0; j < e.length(); j++) {
        if (!same(e.get(j), a.get(j)))
          return "row " + i + " column " + j + ": expected " + e.get(j) + ", got " + a.get(j);
      }
    }
    return null;
  }

  static boolean same(Object e, Object a) {
    if (e == null || a == null) return e == a;
    if (e instanceof Double || e instanceof Float) {
      if (!(a instanceof Double || a instanceof Float)) return false;
      double x = ((Number) e).doubleValue();
      double y = ((Number) a).doubleValue();
      if (Double.isNaN(x) || Double.isNaN(y)) return Double.isNaN(x) && Double.isNaN(y);
      return x == y || Math.abs(x - y) <= 1e-9 * Math.max(Math.abs(x), Math.abs(y));
    }
    if (e instanceof BigDecimal d && a instanceof BigDecimal f)
      return d.compareTo(f) == 0 && d.scale() == f.scale();
    return e.equals(a);
  }
}
