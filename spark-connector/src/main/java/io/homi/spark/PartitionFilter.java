package io.homi.spark;

import java.util.List;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.connector.expressions.Expression;
import org.apache.spark.sql.connector.expressions.Literal;
import org.apache.spark.sql.connector.expressions.NamedReference;
import org.apache.spark.sql.connector.expressions.filter.Predicate;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DoubleType;
import org.apache.spark.sql.types.FloatType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Predicates on partition columns alone that the scan evaluates exactly, per partition directory,
 * with SQL's three-valued logic, as Spark's file sources do with their partition filters: such a
 * predicate is not handed back to Spark as a post-scan filter (which also lets Spark push an
 * aggregate over a scan filtered on partitions, as for parquet). Only simple shapes qualify:
 * comparisons, IN, IS [NOT] NULL of a partition column with literals of exactly its type, combined
 * by AND, OR, NOT. Floats and doubles are left out (-0.0 equals 0.0 in SQL, not in Java's
 * compareTo); anything else stays a post-scan filter.
 */
final class PartitionFilter {
  private PartitionFilter() {}

  /**
   * Whether {@code p} references only partition columns and is one of the shapes evaluated exactly.
   */
  static boolean isExact(Predicate p, StructType partitions) {
    try {
      eval(p, partitions, null);
      return true;
    } catch (Unsupported e) {
      return false;
    }
  }

  /** Whether a partition with these values keeps its rows under every predicate (all are exact). */
  static boolean matches(List<Predicate> predicates, StructType partitions, InternalRow values) {
    for (Predicate p : predicates) {
      if (!Boolean.TRUE.equals(eval(p, partitions, values))) return false;
    }
    return true;
  }

  private static final class Unsupported extends RuntimeException {
    Unsupported() {
      super(null, null, false, false);
    }
  }

  /**
   * TRUE, FALSE or null (unknown); with {@code values} null, only checks the shape (returns null).
   */
  private static Boolean eval(Expression e, StructType parts, InternalRow values) {
    if (!(e instanceof Predicate p)) throw new Unsupported();
    Expression[] c = p.children();
    switch (p.name()) {
      case "ALWAYS_TRUE":
        return Boolean.TRUE;
      case "ALWAYS_FALSE":
        return Boolean.FALSE;
      case "AND":
        {
          Boolean l = eval(c[0], parts, values);
          Boolean r = eval(c[1], parts, values);
          if (Boolean.FALSE.equals(l) || Boolean.FALSE.equals(r)) return Boolean.FALSE;
          return Boolean.TRUE.equals(l) && Boolean.TRUE.equals(r) ? Boolean.TRUE : null;
        }
      case "OR":
        {
          Boolean l = eval(c[0], parts, values);
          Boolean r = eval(c[1], parts, values);
          if (Boolean.TRUE.equals(l) || Boolean.TRUE.equals(r)) return Boolean.TRUE;
          return Boolean.FALSE.equals(l) && Boolean.FALSE.equals(r) ? Boolean.FALSE : null;
        }
      case "NOT":
        {
          Boolean v = eval(c[0], parts, values);
          return v == null ? null : !v;
        }
      case "IS_NULL":
      case "IS_NOT_NULL":
        {
          int i = column(c[0], parts);
          if (values == null) return null;
          boolean isNull = values.isNullAt(i);
          return p.name().equals("IS_NULL") == isNull;
        }
      case "IN":
        {
          int i = column(c[0], parts);
          DataType t = parts.fields()[i].dataType();
          for (int k = 1; k < c.length; k++) literal(c[k], t);
          if (values == null) return null;
          if (values.isNullAt(i)) return null;
          Object v = values.get(i, t);
          boolean sawNull = false;
          for (int k = 1; k < c.length; k++) {
            Object lit = literal(c[k], t);
            if (lit == null) sawNull = true;
            else if (compare(v, lit) == 0) return Boolean.TRUE;
          }
          return sawNull ? null : Boolean.FALSE;
        }
      case "=", "<>", "<", "<=", ">", ">=", "<=>":
        {
          boolean flipped = !(c[0] instanceof NamedReference);
          int i = column(flipped ? c[1] : c[0], parts);
          DataType t = parts.fields()[i].dataType();
          Object lit = literal(flipped ? c[0] : c[1], t);
          if (values == null) return null;
          Object v = values.isNullAt(i) ? null : values.get(i, t);
          if (p.name().equals("<=>"))
            return v == null || lit == null ? v == lit : compare(v, lit) == 0;
          if (v == null || lit == null) return null;
          int cmp = flipped ? compare(lit, v) : compare(v, lit);
          return switch (p.name()) {
            case "=" -> cmp == 0;
            case "<>" -> cmp != 0;
            case "<" -> cmp < 0;
            case "<=" -> cmp <= 0;
            case ">" -> cmp > 0;
            default -> cmp >= 0;
          };
        }
      default:
        throw new Unsupported();
    }
  }

  private static int column(Expression e, StructType parts) {
    if (!(e instanceof NamedReference r) || r.fieldNames().length != 1) throw new Unsupported();
    StructField[] fs = parts.fields();
    for (int i = 0; i < fs.length; i++) {
      if (fs[i].name().equalsIgnoreCase(r.fieldNames()[0])) {
        DataType t = fs[i].dataType();
        if (t instanceof FloatType
            || t instanceof DoubleType
            || !(t instanceof org.apache.spark.sql.types.AtomicType)
            || (t instanceof org.apache.spark.sql.types.StringType st
                && !st.supportsBinaryOrdering())) { // collations
          throw new Unsupported();
        }
        return i;
      }
    }
    throw new Unsupported(); // a data column: not a partition filter
  }

  /** The literal's internal value (null for a NULL literal); its type must be the column's. */
  private static Object literal(Expression e, DataType columnType) {
    if (!(e instanceof Literal<?> l) || !l.dataType().equals(columnType)) throw new Unsupported();
    Object v = l.value();
    if (v != null && !(v instanceof Comparable<?>)) throw new Unsupported();
    return v;
  }

  @SuppressWarnings("unchecked")
  private static int compare(Object a, Object b) {
    return ((Comparable<Object>) a).compareTo(b);
  }
}
