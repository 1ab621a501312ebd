package io.homi.spark;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.spark.sql.connector.expressions.Expression;
import org.apache.spark.sql.connector.expressions.NamedReference;
import org.apache.spark.sql.connector.expressions.aggregate.AggregateFunc;
import org.apache.spark.sql.connector.expressions.aggregate.Aggregation;
import org.apache.spark.sql.connector.expressions.aggregate.Count;
import org.apache.spark.sql.connector.expressions.aggregate.CountStar;
import org.apache.spark.sql.connector.expressions.aggregate.Max;
import org.apache.spark.sql.connector.expressions.aggregate.Min;
import org.apache.spark.sql.types.AtomicType;
import org.apache.spark.sql.types.BooleanType;
import org.apache.spark.sql.types.ByteType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.DateType;
import org.apache.spark.sql.types.DoubleType;
import org.apache.spark.sql.types.FloatType;
import org.apache.spark.sql.types.IntegerType;
import org.apache.spark.sql.types.LongType;
import org.apache.spark.sql.types.ShortType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * An aggregation Spark pushed into the scan (SupportsPushDownAggregates, partial): each file
 * answers with one row, its group-by partition values then its partial MIN / MAX / COUNT, and
 * Spark's final aggregate combines the files' rows. Under {@link Mode#ON} the rules are Spark's own
 * for its Parquet V2 scan (AggregatePushDownUtils.getSchemaForPushedAggregation): only plain column
 * references, no COUNT(DISTINCT), GROUP BY only on partition columns, MIN/MAX only for boolean,
 * integral, float, double and date columns (strings, binary and decimals stored as bytes may have
 * truncated bounds; INT96 timestamps have no defined order). {@link Mode#AUTO} takes only what a
 * footer can answer exactly: the same less float/double MIN/MAX (writers leave NaN out of the
 * bounds, so those files are always read for values) and less COUNT of a nested column (its footer
 * statistics are per leaf, so it is always read too). Two differences from Spark, both exact: GROUP
 * BY a subset of the partition columns is pushed too (each file has one value per partition column,
 * so a file's row is a valid partial for any subset), and MIN/MAX of a partition column is that
 * value. Spark never offers an aggregate over a filtered scan here, because every pushed predicate
 * is handed back as a post-scan filter. Whatever the mode, {@link FooterAggregateReader} answers a
 * file from its footer only where that answer is exact, and reads the column's values otherwise.
 */
record PushedAggregate(List<Item> groupBy, List<Item> aggregates, StructType schema)
    implements Serializable {
  /** {@code homi.aggregatePushdown}. */
  enum Mode {
    AUTO,
    ON,
    OFF
  }

  enum Kind {
    GROUP,
    MIN,
    MAX,
    COUNT,
    COUNT_STAR
  }

  /**
   * One output column. {@code partitionIndex} >= 0 for a partition column (its value comes from the
   * file's directory), else -1 and {@code column} names the data column (null for COUNT(*)).
   */
  record Item(Kind kind, String column, DataType type, int partitionIndex)
      implements Serializable {}

  /** The pushed form of {@code agg}, or null where the mode's rules (above) refuse it. */
  static PushedAggregate of(
      Aggregation agg, StructType dataSchema, StructType partitionSchema, Mode mode) {
    List<Item> groups = new ArrayList<>();
    StructType schema = new StructType();
    Set<String> seen = new java.util.HashSet<>();
    for (Expression e : agg.groupByExpressions()) {
      String name = column(e);
      if (name == null) return null;
      int p = indexOf(partitionSchema, name);
      if (p < 0 || !seen.add(name.toLowerCase(java.util.Locale.ROOT))) return null;
      StructField f = partitionSchema.fields()[p];
      groups.add(new Item(Kind.GROUP, f.name(), f.dataType(), p));
      schema = schema.add(f);
    }
    List<Item> aggs = new ArrayList<>();
    for (AggregateFunc f : agg.aggregateExpressions()) {
      Item it;
      if (f instanceof CountStar) {
        it = new Item(Kind.COUNT_STAR, null, DataTypes.LongType, -1);
      } else if (f instanceof Count c && !c.isDistinct()) {
        it = item(Kind.COUNT, c.column(), dataSchema, partitionSchema);
      } else if (f instanceof Min m) {
        it = item(Kind.MIN, m.column(), dataSchema, partitionSchema);
      } else if (f instanceof Max m) {
        it = item(Kind.MAX, m.column(), dataSchema, partitionSchema);
      } else {
        return null; // SUM, AVG, COUNT(DISTINCT), ...: not from footers
      }
      if (it == null) return null;
      if ((it.kind() == Kind.MIN || it.kind() == Kind.MAX)
          && it.partitionIndex() < 0
          && !(mode == Mode.AUTO ? exactMinMaxType(it.type()) : minMaxType(it.type()))) {
        return null;
      }
      if (mode == Mode.AUTO
          && it.kind() == Kind.COUNT
          && it.partitionIndex() < 0
          && !(dataType(dataSchema, it.column()) instanceof AtomicType)) {
        return null;
      }
      aggs.add(it);
      String label =
          it.kind() == Kind.COUNT_STAR
              ? "count(*)"
              : it.kind().name().toLowerCase(java.util.Locale.ROOT) + "(" + it.column() + ")";
      schema = schema.add(label, it.type(), true);
    }
    if (aggs.isEmpty()) return null;
    return new PushedAggregate(List.copyOf(groups), List.copyOf(aggs), schema);
  }

  private static Item item(Kind kind, Expression e, StructType data, StructType partitions) {
    String name = column(e);
    if (name == null) return null;
    int p = indexOf(partitions, name);
    if (p >= 0) {
      StructField f = partitions.fields()[p];
      return new Item(kind, f.name(), kind == Kind.COUNT ? DataTypes.LongType : f.dataType(), p);
    }
    StructField f = TableSchemas.find(data, name);
    if (f == null) return null;
    return new Item(kind, f.name(), kind == Kind.COUNT ? DataTypes.LongType : f.dataType(), -1);
  }

  /**
   * Spark's list for its Parquet scan: no strings, binary, decimals, timestamps or complex types.
   */
  static boolean minMaxType(DataType t) {
    return t instanceof BooleanType
        || t instanceof ByteType
        || t instanceof ShortType
        || t instanceof IntegerType
        || t instanceof LongType
        || t instanceof FloatType
        || t instanceof DoubleType
        || t instanceof DateType;
  }

  /**
   * The types whose MIN/MAX a footer can give exactly ({@link Mode#AUTO}): Spark's list less float
   * and double, whose written bounds leave NaN out.
   */
  static boolean exactMinMaxType(DataType t) {
    return minMaxType(t) && !(t instanceof FloatType) && !(t instanceof DoubleType);
  }

  private static DataType dataType(StructType data, String name) {
    StructField f = TableSchemas.find(data, name);
    return f == null ? null : f.dataType();
  }

  /** A top-level column reference's name (V2ColumnUtils.extractV2Column), else null. */
  private static String column(Expression e) {
    return e instanceof NamedReference r && r.fieldNames().length == 1 ? r.fieldNames()[0] : null;
  }

  private static int indexOf(StructType s, String name) {
    StructField[] fs = s.fields();
    for (int i = 0; i < fs.length; i++) if (fs[i].name().equalsIgnoreCase(name)) return i;
    return -1;
  }

  /**
   * For the plan: {@code PushedAggregation: [MIN(a), COUNT(*)] PushedGroupBy: [p]}, as Spark's
   * Parquet scan shows it.
   */
  String describe() {
    StringBuilder a = new StringBuilder();
    for (Item it : aggregates) {
      if (a.length() > 0) a.append(", ");
      a.append(
          it.kind() == Kind.COUNT_STAR ? "COUNT(*)" : it.kind().name() + "(" + it.column() + ")");
    }
    StringBuilder g = new StringBuilder();
    for (Item it : groupBy) {
      if (g.length() > 0) g.append(", ");
      g.append(it.column());
    }
    return " PushedAggregation: [" + a + "] PushedGroupBy: [" + g + "]";
  }
}
