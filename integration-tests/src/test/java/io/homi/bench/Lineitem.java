package io.homi.bench;

import java.io.Serializable;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * A deterministic TPC-H {@code lineitem}: the 16 columns with TPC-H's types and dbgen's value rules
 * (sparse order keys, 1-7 lines per order, part/supplier bridge, retail-price-derived extended
 * price, dates derived from a per-order order date, return flag and line status from the 1995-06-17
 * "current date"). Every value is a hash of (row or order index, column), so the table is the same
 * whatever the partitioning; rows are in order-key order, so each output file covers a disjoint key
 * range and row-group statistics can prune.
 *
 * <p>Rows: round(6,001,215 x SF), dbgen's count at SF 1 (the last order may be cut short).
 */
final class Lineitem {
  static final long SF1_ROWS = 6_001_215L;
  static final int START_DAY = (int) LocalDate.of(1992, 1, 1).toEpochDay();
  static final int END_DAY = (int) LocalDate.of(1998, 12, 31).toEpochDay();
  static final int CURRENT_DAY = (int) LocalDate.of(1995, 6, 17).toEpochDay();
  static final String[] INSTRUCT = {"DELIVER IN PERSON", "COLLECT COD", "NONE", "TAKE BACK RETURN"};
  static final String[] MODES = {"REG AIR", "AIR", "RAIL", "SHIP", "TRUCK", "MAIL", "FOB"};

  /** dbgen's grammar vocabulary (nouns, verbs, adjectives, adverbs, prepositions, auxiliaries). */
  private static final String[] WORDS =
      ("foxes ideas theodolites pinto beans instructions dependencies excuses platelets "
              + "asymptotes courts dolphins multipliers sauternes warthogs frets dinos attainments somas Tiresias patterns "
              + "forges braids hockey players frays warhorses dugouts notornis epitaphs pearls tithes waters orbits gifts "
              + "sheaves depths sentiments decoys realms pains grouches escapades packages requests accounts deposits "
              + "sleep wake are cajole haggle nag use boost affix detect integrate maintain nod was lose sublate solve "
              + "thrash promise engage hinder print x-ray breach eat grow impress mold poach serve run dazzle snooze doze "
              + "unwind kindle play hang believe doubt furious sly careful blithe quick fluffy slow quiet ruthless thin "
              + "close dogged daring brave stealthy permanent enticing idle busy regular final ironic even bold silent "
              + "furiously slyly carefully blithely quickly fluffily slowly quietly ruthlessly thinly closely doggedly "
              + "daringly bravely stealthily permanently enticingly idly busily regularly finally ironically evenly "
              + "boldly silently about above according to across after against along alongside of among around at atop "
              + "before behind beneath beside besides between beyond by despite during except for from in place of "
              + "inside instead of into near of on outside over past since through throughout to toward under until up "
              + "upon without with within do may might shall will would can could should ought to must will have to "
              + "shall have to could have to should have to must have to need to try to")
          .split(" ");

  /**
   * Rows generated so far in this JVM (all partitions run here under a local master): the live row
   * count of the bench's progress lines. Executors of a cluster count in their own JVMs.
   */
  static final java.util.concurrent.atomic.LongAdder GENERATED =
      new java.util.concurrent.atomic.LongAdder();

  private Lineitem() {}

  static long rows(double sf) {
    return Math.max(1, Math.round(SF1_ROWS * sf));
  }

  static StructType schema(boolean doubleDecimals) {
    DataType dec = doubleDecimals ? DataTypes.DoubleType : DataTypes.createDecimalType(15, 2);
    return new StructType()
        .add("l_orderkey", DataTypes.LongType, false)
        .add("l_partkey", DataTypes.LongType, false)
        .add("l_suppkey", DataTypes.LongType, false)
        .add("l_linenumber", DataTypes.IntegerType, false)
        .add("l_quantity", dec, false)
        .add("l_extendedprice", dec, false)
        .add("l_discount", dec, false)
        .add("l_tax", dec, false)
        .add("l_returnflag", DataTypes.StringType, false)
        .add("l_linestatus", DataTypes.StringType, false)
        .add("l_shipdate", DataTypes.DateType, false)
        .add("l_commitdate", DataTypes.DateType, false)
        .add("l_receiptdate", DataTypes.DateType, false)
        .add("l_shipinstruct", DataTypes.StringType, false)
        .add("l_shipmode", DataTypes.StringType, false)
        .add("l_comment", DataTypes.StringType, false);
  }

  /** The table as {@code files} partitions of consecutive orders (one output file each). */
  static Dataset<Row> generate(SparkSession spark, double sf, int files, boolean doubleDecimals) {
    long n = rows(sf);
    int parts = (int) Math.max(1, Math.min(files, n));
    // Where each partition's rows start: order index and line within it (one pass over orders).
    long[] startOrder = new long[parts];
    int[] startLine = new int[parts];
    long row = 0;
    long order = 0;
    for (int p = 0; p < parts; p++) {
      long target = n * p / parts;
      while (row + linesOf(order) <= target) {
        row += linesOf(order);
        order++;
      }
      startOrder[p] = order;
      startLine[p] = (int) (target - row);
    }
    Gen gen =
        new Gen(
            n,
            parts,
            startOrder,
            startLine,
            Math.max(1, Math.round(200_000 * sf)),
            Math.max(1, Math.round(10_000 * sf)),
            doubleDecimals);
    StructType schema = schema(doubleDecimals);
    // Dates are generated as epoch days (an int column), then typed: no time-zone conversions.
    StructType raw = new StructType();
    for (var f : schema.fields())
      raw =
          raw.add(
              f.name(),
              f.dataType() == DataTypes.DateType ? DataTypes.IntegerType : f.dataType(),
              false);
    Dataset<Row> rows = spark.range(0, parts, 1, parts).mapPartitions(gen, Encoders.row(raw));
    List<org.apache.spark.sql.Column> cols = new ArrayList<>();
    for (var f : schema.fields()) {
      cols.add(
          f.dataType() == DataTypes.DateType
              ? org.apache
                  .spark
                  .sql
                  .functions
                  .expr("date_from_unix_date(" + f.name() + ")")
                  .as(f.name())
              : org.apache.spark.sql.functions.col(f.name()));
    }
    return rows.select(cols.toArray(new org.apache.spark.sql.Column[0]));
  }

  static int linesOf(long order) {
    return 1 + (int) Long.remainderUnsigned(mix(order, 1), 7);
  }

  /**
   * dbgen's MK_SPARSE: keeps the low 3 bits, leaves 2 bits of gap above them (8 of every 32 keys).
   */
  static long orderKey(long orderIndex) {
    long i = orderIndex + 1;
    return ((i >> 3) << 5) | (i & 7);
  }

  /** splitmix64 of (index, stream): independent uniform bits per value. */
  static long mix(long index, int stream) {
    long z = index * 0x9E3779B97F4A7C15L + stream * 0xD1B54A32D192ED03L + 0x632BE59BD9B4E019L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /** Uniform in [lo, hi]. */
  static long uniform(long index, int stream, long lo, long hi) {
    return lo + Long.remainderUnsigned(mix(index, stream), hi - lo + 1);
  }

  /** Generates one partition's rows; the input is the partition number. */
  private static final class Gen implements MapPartitionsFunction<Long, Row>, Serializable {
    private final long rows;
    private final int parts;
    private final long[] startOrder;
    private final int[] startLine;
    private final long partCount;
    private final long suppCount;
    private final boolean doubles;

    Gen(
        long rows,
        int parts,
        long[] startOrder,
        int[] startLine,
        long partCount,
        long suppCount,
        boolean doubles) {
      this.rows = rows;
      this.parts = parts;
      this.startOrder = startOrder;
      this.startLine = startLine;
      this.partCount = partCount;
      this.suppCount = suppCount;
      this.doubles = doubles;
    }

    @Override
    public Iterator<Row> call(Iterator<Long> input) {
      if (!input.hasNext())
        return java.util.Collections.emptyIterator(); // hasNext first: Spark's iterators need it
      int p = input.next().intValue();
      long first = rows * p / parts;
      long end = rows * (p + 1) / parts;
      return new Iterator<>() {
        long row = first;
        long order = startOrder[p];
        int line = startLine[p];
        final StringBuilder text = new StringBuilder(64);

        @Override
        public boolean hasNext() {
          return row < end;
        }

        @Override
        public Row next() {
          if (line == linesOf(order)) {
            order++;
            line = 0;
          }
          Row r = make(row, order, line);
          GENERATED.increment();
          row++;
          line++;
          return r;
        }

        private Row make(long r, long o, int ln) {
          long partkey = uniform(r, 2, 1, partCount);
          long s = uniform(r, 3, 0, 3);
          long suppkey =
              (partkey + s * (suppCount / 4 + (partkey - 1) / suppCount)) % suppCount + 1;
          long qty = uniform(r, 4, 1, 50);
          long retailCents = 90_000 + (partkey / 10) % 20_001 + 100 * (partkey % 1000);
          long priceCents = qty * retailCents;
          long disc = uniform(r, 5, 0, 10);
          long tax = uniform(r, 6, 0, 8);
          int orderDate = (int) uniform(o, 7, START_DAY, END_DAY - 151);
          int ship = orderDate + (int) uniform(r, 8, 1, 121);
          int commit = orderDate + (int) uniform(r, 9, 30, 90);
          int receipt = ship + (int) uniform(r, 10, 1, 30);
          String flag = receipt <= CURRENT_DAY ? (uniform(r, 11, 0, 1) == 0 ? "R" : "A") : "N";
          String status = ship > CURRENT_DAY ? "O" : "F";
          return RowFactory.create(
              orderKey(o),
              partkey,
              suppkey,
              ln + 1,
              dec(qty * 100),
              dec(priceCents),
              dec(disc),
              dec(tax),
              flag,
              status,
              ship,
              commit,
              receipt,
              INSTRUCT[(int) uniform(r, 12, 0, 3)],
              MODES[(int) uniform(r, 13, 0, 6)],
              comment(r));
        }

        private Object dec(long cents) {
          return doubles ? cents / 100.0 : BigDecimal.valueOf(cents, 2);
        }

        /** dbgen's TEXT(10, 43): words of its grammar, cut to a uniform length in [10, 43]. */
        private String comment(long r) {
          int len = (int) uniform(r, 14, 10, 43);
          text.setLength(0);
          for (int i = 0; text.length() < len; i++) {
            if (text.length() > 0) text.append(' ');
            text.append(WORDS[(int) uniform(r * 64 + i, 15, 0, WORDS.length - 1)]);
          }
          text.setLength(len);
          return text.toString();
        }
      };
    }
  }
}
