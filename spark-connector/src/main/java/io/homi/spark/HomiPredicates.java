package io.homi.spark;

import io.homi.runtime.stats.StatsPredicate;
import io.homi.runtime.stats.StatsPredicate.Op;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.connector.expressions.Expression;
import org.apache.spark.sql.connector.expressions.Literal;
import org.apache.spark.sql.connector.expressions.NamedReference;
import org.apache.spark.sql.connector.expressions.filter.Predicate;
import org.apache.spark.sql.types.BinaryType;
import org.apache.spark.sql.types.BooleanType;
import org.apache.spark.sql.types.ByteType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.DateType;
import org.apache.spark.sql.types.Decimal;
import org.apache.spark.sql.types.DecimalType;
import org.apache.spark.sql.types.DoubleType;
import org.apache.spark.sql.types.FloatType;
import org.apache.spark.sql.types.IntegerType;
import org.apache.spark.sql.types.LongType;
import org.apache.spark.sql.types.ShortType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.types.TimestampNTZType;
import org.apache.spark.sql.types.TimestampType;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * Spark's V2 predicates translated into {@link StatsPredicate}s for pruning. Translation is partial
 * by design: a predicate (or, inside AND, a conjunct) that cannot be translated exactly becomes
 * TRUE, which prunes nothing, since Spark evaluates every filter after the scan anyway.
 */
final class HomiPredicates {
  private HomiPredicates() {}

  /** The pruning form of {@code p}, or null when no part of it can prune. */
  static StatsPredicate translate(Predicate p, StructType schema) {
    StatsPredicate s = convert(p, schema);
    return s == null || s.equals(StatsPredicate.TRUE) ? null : s;
  }

  private static StatsPredicate convert(Expression e, StructType schema) {
    if (!(e instanceof Predicate p)) return null;
    Expression[] c = p.children();
    switch (p.name()) {
      case "AND":
        {
          StatsPredicate l = orTrue(convert(c[0], schema));
          StatsPredicate r = orTrue(convert(c[1], schema));
          return new StatsPredicate.And(l, r);
        }
      case "OR":
        {
          StatsPredicate l = convert(c[0], schema);
          StatsPredicate r = convert(c[1], schema);
          return l == null || r == null ? null : new StatsPredicate.Or(l, r);
        }
      case "NOT":
        {
          // Exactness matters under NOT: a TRUE stand-in would be negated into FALSE.
          StatsPredicate inner = convert(c[0], schema);
          return inner == null || containsTrueStandIn(c[0], schema)
              ? null
              : new StatsPredicate.Not(inner);
        }
      case "ALWAYS_TRUE":
        return StatsPredicate.TRUE;
      case "ALWAYS_FALSE":
        return new StatsPredicate.Constant(false);
      case "IS_NULL":
        return column(c[0], schema) == null
            ? null
            : new StatsPredicate.IsNull(column(c[0], schema).name());
      case "IS_NOT_NULL":
        return column(c[0], schema) == null
            ? null
            : new StatsPredicate.IsNotNull(column(c[0], schema).name());
      case "IN":
        {
          StructField f = column(c[0], schema);
          if (f == null) return null;
          List<Object> values = new ArrayList<>();
          for (int i = 1; i < c.length; i++) {
            if (!(c[i] instanceof Literal<?> lit)) return null;
            if (lit.value() == null) continue; // x IN (NULL, ...) never matches through the null
            Object v = literal(lit, f.dataType());
            if (v == null) return null;
            values.add(v);
          }
          return new StatsPredicate.In(f.name(), values);
        }
      case "STARTS_WITH":
        {
          StructField f = column(c[0], schema);
          if (f == null
              || !f.dataType().equals(DataTypes.StringType)
              || !(c[1] instanceof Literal<?> lit)
              || !(lit.value() instanceof UTF8String s)) {
            return null;
          }
          return new StatsPredicate.StartsWith(f.name(), s.getBytes());
        }
      case "=", "<=>", "<>", "<", "<=", ">", ">=":
        return comparison(p.name(), c, schema);
      default:
        return null;
    }
  }

  private static StatsPredicate comparison(String name, Expression[] c, StructType schema) {
    boolean flipped = !(c[0] instanceof NamedReference);
    Expression ref = flipped ? c[1] : c[0];
    Expression other = flipped ? c[0] : c[1];
    StructField f = column(ref, schema);
    if (f == null || !(other instanceof Literal<?> lit)) return null;
    if (lit.value() == null) {
      // x <=> NULL is IS NULL; any other comparison with NULL is never true.
      return name.equals("<=>")
          ? new StatsPredicate.IsNull(f.name())
          : new StatsPredicate.Constant(false);
    }
    Object v = literal(lit, f.dataType());
    if (v == null) return null;
    Op op =
        switch (name) {
          case "=", "<=>" -> Op.EQ;
          case "<>" -> Op.NE;
          case "<" -> flipped ? Op.GT : Op.LT;
          case "<=" -> flipped ? Op.GE : Op.LE;
          case ">" -> flipped ? Op.LT : Op.GT;
          default -> flipped ? Op.LE : Op.GE;
        };
    return new StatsPredicate.Compare(f.name(), op, v);
  }

  private static boolean containsTrueStandIn(Expression e, StructType schema) {
    if (!(e instanceof Predicate p)) return true;
    if (p.name().equals("AND") || p.name().equals("OR")) {
      for (Expression child : p.children()) {
        if (convert(child, schema) == null || containsTrueStandIn(child, schema)) return true;
      }
      return false;
    }
    if (p.name().equals("NOT")) return containsTrueStandIn(p.children()[0], schema);
    return convert(e, schema) == null;
  }

  private static StatsPredicate orTrue(StatsPredicate p) {
    return p == null ? StatsPredicate.TRUE : p;
  }

  private static StructField column(Expression e, StructType schema) {
    if (!(e instanceof NamedReference r) || r.fieldNames().length != 1) return null;
    return TableSchemas.find(schema, r.fieldNames()[0]);
  }

  private static Object literal(Literal<?> lit, DataType columnType) {
    // Spark casts literals to the column's type before pushing; anything else is not ours to guess.
    if (!lit.dataType().equals(columnType)) return null;
    return value(lit.value(), columnType);
  }

  /** A Spark internal value in the domain of StatsPredicate, or null when it has none. */
  static Object value(Object v, DataType t) {
    if (v == null) return null;
    if (t instanceof ByteType
        || t instanceof ShortType
        || t instanceof IntegerType
        || t instanceof LongType
        || t instanceof DateType
        || t instanceof TimestampType
        || t instanceof TimestampNTZType) {
      return ((Number) v).longValue();
    }
    if (t instanceof FloatType) return (double) (Float) v;
    if (t instanceof DoubleType) return v;
    if (t instanceof BooleanType) return v;
    if (t instanceof DecimalType) return ((Decimal) v).toJavaBigDecimal();
    if (t instanceof BinaryType) return v;
    // Only the default (binary) collation orders strings as their UTF-8 bytes.
    if (t.equals(DataTypes.StringType) && v instanceof UTF8String s) return s.getBytes();
    return null;
  }
}
