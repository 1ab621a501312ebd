package io.homi.spark;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.BitVector;
import org.apache.arrow.vector.DateDayVector;
import org.apache.arrow.vector.DecimalVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.SmallIntVector;
import org.apache.arrow.vector.TimeStampMicroTZVector;
import org.apache.arrow.vector.TimeStampMicroVector;
import org.apache.arrow.vector.TinyIntVector;
import org.apache.arrow.vector.VarBinaryVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Decimal;
import org.apache.spark.sql.vectorized.ArrowColumnVector;
import org.apache.spark.sql.vectorized.ColumnVector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Every getter of the HomiColumnVectors against Spark's ArrowColumnVector over the same Arrow
 * vector.
 */
class HomiColumnVectorTest {
  private final BufferAllocator allocator = new RootAllocator();
  private final List<FieldVector> vectors = new ArrayList<>();
  private final Random random = new Random(42);

  @AfterEach
  void close() {
    vectors.forEach(FieldVector::close);
    allocator.close();
  }

  private <V extends FieldVector> V track(V v) {
    vectors.add(v);
    return v;
  }

  /**
   * Rows that are null: 0, every 7th, and the last row but one; none when {@code nulls} is false.
   */
  private static boolean nullRow(int i, int n, boolean nulls) {
    return nulls && (i == 0 || i % 7 == 3 || i == n - 2);
  }

  /** Wraps, refreshes and compares the null semantics; returns [homi, arrow]. */
  private static ColumnVector[] pair(FieldVector v) {
    ColumnVector homi = HomiColumnVector.wrap(v);
    assertThat(homi).isInstanceOf(HomiColumnVector.class);
    HomiColumnVector.refresh(new ColumnVector[] {homi});
    ArrowColumnVector arrow = new ArrowColumnVector(v);
    assertThat(homi.dataType()).isEqualTo(arrow.dataType());
    assertThat(homi.hasNull()).isEqualTo(arrow.hasNull());
    assertThat(homi.numNulls()).isEqualTo(arrow.numNulls());
    for (int i = 0; i < v.getValueCount(); i++)
      assertThat(homi.isNullAt(i)).as("isNullAt(%d)", i).isEqualTo(arrow.isNullAt(i));
    return new ColumnVector[] {homi, arrow};
  }

  private static final int N = 1000;

  @Test
  void booleans() {
    for (boolean nulls : new boolean[] {true, false}) {
      BitVector v = track(new BitVector("b", allocator));
      v.allocateNew(N);
      for (int i = 0; i < N; i++)
        if (nullRow(i, N, nulls)) v.setNull(i);
        else v.set(i, (i * 31 + i / 5) % 3 == 0 ? 1 : 0);
      v.setValueCount(N);
      ColumnVector[] p = pair(v);
      assertThat(p[0].hasNull()).isEqualTo(nulls);
      for (int i = 0; i < N; i++)
        if (!p[1].isNullAt(i))
          assertThat(p[0].getBoolean(i)).as("row %d", i).isEqualTo(p[1].getBoolean(i));
    }
  }

  @Test
  void bytesShortsInts() {
    TinyIntVector b = track(new TinyIntVector("t", allocator));
    SmallIntVector s = track(new SmallIntVector("s", allocator));
    IntVector in = track(new IntVector("i", allocator));
    DateDayVector d = track(new DateDayVector("d", allocator));
    b.allocateNew(N);
    s.allocateNew(N);
    in.allocateNew(N);
    d.allocateNew(N);
    for (int i = 0; i < N; i++) {
      if (nullRow(i, N, true)) {
        b.setNull(i);
        s.setNull(i);
        in.setNull(i);
        d.setNull(i);
      } else {
        int r = random.nextInt();
        b.set(i, (byte) r);
        s.set(i, (short) r);
        in.set(i, i == 1 ? Integer.MIN_VALUE : i == 2 ? Integer.MAX_VALUE : r);
        d.set(i, r % 100_000);
      }
    }
    for (FieldVector v : List.<FieldVector>of(b, s, in, d)) v.setValueCount(N);
    ColumnVector[] pb = pair(b), ps = pair(s), pi = pair(in), pd = pair(d);
    assertThat(pd[0].dataType()).isEqualTo(DataTypes.DateType);
    for (int i = 0; i < N; i++) {
      if (pb[1].isNullAt(i)) continue;
      assertThat(pb[0].getByte(i)).isEqualTo(pb[1].getByte(i));
      assertThat(ps[0].getShort(i)).isEqualTo(ps[1].getShort(i));
      assertThat(pi[0].getInt(i)).isEqualTo(pi[1].getInt(i));
      assertThat(pd[0].getInt(i)).isEqualTo(pd[1].getInt(i));
    }
  }

  @Test
  void longsTimestampsFloatsDoubles() {
    BigIntVector l = track(new BigIntVector("l", allocator));
    TimeStampMicroTZVector tz = track(new TimeStampMicroTZVector("tz", allocator, "UTC"));
    TimeStampMicroVector ntz = track(new TimeStampMicroVector("ntz", allocator));
    Float4Vector f = track(new Float4Vector("f", allocator));
    Float8Vector g = track(new Float8Vector("g", allocator));
    for (FieldVector v : List.<FieldVector>of(l, tz, ntz, f, g)) {
      v.setInitialCapacity(N);
      v.allocateNew();
    }
    for (int i = 0; i < N; i++) {
      if (nullRow(i, N, true)) {
        l.setNull(i);
        tz.setNull(i);
        ntz.setNull(i);
        f.setNull(i);
        g.setNull(i);
      } else {
        long r = i == 1 ? Long.MIN_VALUE : i == 2 ? Long.MAX_VALUE : random.nextLong();
        l.set(i, r);
        tz.set(i, r >> 8);
        ntz.set(i, -(r >> 9));
        f.set(i, i == 4 ? Float.NaN : i == 5 ? -0.0f : random.nextFloat() * 1e6f - 5e5f);
        g.set(i, i == 4 ? Double.NEGATIVE_INFINITY : random.nextGaussian() * 1e12);
      }
    }
    for (FieldVector v : List.<FieldVector>of(l, tz, ntz, f, g)) v.setValueCount(N);
    ColumnVector[] pl = pair(l), ptz = pair(tz), pntz = pair(ntz), pf = pair(f), pg = pair(g);
    assertThat(ptz[0].dataType()).isEqualTo(DataTypes.TimestampType);
    assertThat(pntz[0].dataType()).isEqualTo(DataTypes.TimestampNTZType);
    for (int i = 0; i < N; i++) {
      if (pl[1].isNullAt(i)) continue;
      assertThat(pl[0].getLong(i)).isEqualTo(pl[1].getLong(i));
      assertThat(ptz[0].getLong(i)).isEqualTo(ptz[1].getLong(i));
      assertThat(pntz[0].getLong(i)).isEqualTo(pntz[1].getLong(i));
      assertThat(Float.floatToRawIntBits(pf[0].getFloat(i)))
          .isEqualTo(Float.floatToRawIntBits(pf[1].getFloat(i)));
      assertThat(Double.doubleToRawLongBits(pg[0].getDouble(i)))
          .isEqualTo(Double.doubleToRawLongBits(pg[1].getDouble(i)));
    }
  }

  /**
   * The claim the precision <= 18 path rests on: for a value that fits in a long, the low 8 bytes
   * of its Decimal128 are that long.
   */
  @Test
  void decimal128LowBytesAreTheLong() {
    DecimalVector v = track(new DecimalVector("d", allocator, 38, 0));
    List<Long> values =
        new ArrayList<>(
            List.of(
                0L,
                -1L,
                1L,
                Long.MIN_VALUE,
                Long.MAX_VALUE,
                Long.MIN_VALUE + 1,
                -999_999_999_999_999_999L,
                -100L,
                -(1L << 32),
                -(1L << 63) / 3,
                (long) Integer.MIN_VALUE));
    for (int i = 0; i < 500; i++) values.add(random.nextLong());
    for (int i = 0; i < 200; i++)
      values.add(-Math.abs(random.nextLong() >> random.nextInt(63)) - 1);
    v.allocateNew(values.size());
    for (int i = 0; i < values.size(); i++) v.set(i, BigDecimal.valueOf(values.get(i)));
    v.setValueCount(values.size());
    for (int i = 0; i < values.size(); i++) {
      long low = v.getDataBuffer().getLong(16L * i);
      long high = v.getDataBuffer().getLong(16L * i + 8);
      assertThat(low).as("low 8 bytes of %d", values.get(i)).isEqualTo(values.get(i));
      assertThat(high)
          .as("high 8 bytes of %d are its sign", values.get(i))
          .isEqualTo(values.get(i) < 0 ? -1L : 0L);
    }
  }

  private void checkDecimals(int precision, int scale, List<BigInteger> unscaled) {
    DecimalVector v = track(new DecimalVector("d" + precision, allocator, precision, scale));
    int n = unscaled.size() + unscaled.size() / 3 + 2;
    v.allocateNew(n);
    int k = 0;
    for (int i = 0; i < n; i++) {
      if (nullRow(i, n, true) || k == unscaled.size()) v.setNull(i);
      else v.set(i, new BigDecimal(unscaled.get(k++), scale));
    }
    assertThat(k).isEqualTo(unscaled.size());
    v.setValueCount(n);
    ColumnVector[] p = pair(v);
    assertThat(p[0].dataType()).isEqualTo(DataTypes.createDecimalType(precision, scale));
    for (int i = 0; i < n; i++) {
      Decimal h = p[0].getDecimal(i, precision, scale);
      Decimal a = p[1].getDecimal(i, precision, scale);
      if (a == null) {
        assertThat(h).as("row %d", i).isNull();
        continue;
      }
      assertThat(h).as("row %d", i).isEqualTo(a);
      assertThat(h.toJavaBigDecimal()).isEqualTo(a.toJavaBigDecimal());
      assertThat(h.toString()).isEqualTo(a.toString());
      assertThat(h.precision()).isEqualTo(precision);
      assertThat(h.scale()).isEqualTo(scale);
      if (precision <= 18) assertThat(h.toUnscaledLong()).isEqualTo(a.toUnscaledLong());
    }
  }

  private List<BigInteger> decimalValues(int precision) {
    BigInteger max = BigInteger.TEN.pow(precision).subtract(BigInteger.ONE);
    List<BigInteger> u =
        new ArrayList<>(
            List.of(
                BigInteger.ZERO,
                BigInteger.ONE,
                BigInteger.ONE.negate(),
                max,
                max.negate(),
                BigInteger.valueOf(-5),
                BigInteger.valueOf(-12_345)));
    for (int i = 0; i < 300; i++) {
      BigInteger r = new BigInteger(max.bitLength() + 4, random).mod(max.add(BigInteger.ONE));
      u.add(i % 2 == 0 ? r.negate() : r);
    }
    return u;
  }

  @Test
  void decimals() {
    checkDecimals(15, 2, decimalValues(15)); // TPC-H's DECIMAL(15,2)
    checkDecimals(18, 0, decimalValues(18)); // widest that fits a long
    checkDecimals(18, 6, decimalValues(18));
    checkDecimals(19, 2, decimalValues(19)); // first that does not: BigDecimal path
    checkDecimals(38, 10, decimalValues(38));
    checkDecimals(5, 5, decimalValues(5));
  }

  @Test
  void strings() {
    VarCharVector v = track(new VarCharVector("s", allocator));
    v.allocateNew();
    String[] samples = {"", "a", "héllo wörld", "日本語", "", "x".repeat(300), "null"};
    int n = 200;
    for (int i = 0; i < n; i++) {
      if (nullRow(i, n, true)) v.setNull(i);
      else v.setSafe(i, samples[i % samples.length].getBytes(StandardCharsets.UTF_8));
    }
    v.setValueCount(n);
    ColumnVector[] p = pair(v);
    int empties = 0;
    for (int i = 0; i < n; i++) {
      if (p[1].isNullAt(i)) {
        assertThat(p[0].getUTF8String(i)).isNull();
        assertThat(p[1].getUTF8String(i)).isNull();
        continue;
      }
      assertThat(p[0].getUTF8String(i)).as("row %d", i).isEqualTo(p[1].getUTF8String(i));
      assertThat(p[0].getUTF8String(i).toString()).isEqualTo(samples[i % samples.length]);
      assertThat(p[0].getUTF8String(i).numBytes()).isEqualTo(p[1].getUTF8String(i).numBytes());
      if (p[0].getUTF8String(i).numBytes() == 0) empties++;
    }
    assertThat(empties).isGreaterThan(10);
  }

  @Test
  void binaries() {
    VarBinaryVector v = track(new VarBinaryVector("b", allocator));
    v.allocateNew();
    int n = 200;
    for (int i = 0; i < n; i++) {
      if (nullRow(i, n, true)) v.setNull(i);
      else {
        byte[] b = new byte[i % 5 == 0 ? 0 : random.nextInt(40)];
        random.nextBytes(b);
        v.setSafe(i, b);
      }
    }
    v.setValueCount(n);
    ColumnVector[] p = pair(v);
    for (int i = 0; i < n; i++)
      assertThat(p[0].getBinary(i)).as("row %d", i).isEqualTo(p[1].getBinary(i));
    assertThat(p[0].getBinary(5)).isEmpty();
  }

  /**
   * Addresses are cached per batch: after the vector is reset, cleared and reallocated, refresh
   * sees the new buffers.
   */
  @Test
  void refreshFollowsReallocation() {
    IntVector in = track(new IntVector("i", allocator));
    VarCharVector s = track(new VarCharVector("s", allocator));
    ColumnVector[] out = {HomiColumnVector.wrap(in), HomiColumnVector.wrap(s)};
    for (int batch = 0; batch < 4; batch++) {
      int n = 16 << (2 * batch); // grows: forces reallocation
      if (batch % 2 == 0) {
        in.clear();
        s.clear();
      } else {
        in.reset();
        s.reset();
      }
      for (int i = 0; i < n; i++) {
        if ((i + batch) % 5 == 0) {
          in.setNull(i);
          s.setNull(i);
        } else {
          in.setSafe(i, i * 1000 + batch);
          s.setSafe(i, (batch + ":" + i).getBytes(StandardCharsets.UTF_8));
        }
      }
      in.setValueCount(n);
      s.setValueCount(n);
      HomiColumnVector.refresh(out);
      ArrowColumnVector ai = new ArrowColumnVector(in), as = new ArrowColumnVector(s);
      assertThat(out[0].numNulls()).isEqualTo(ai.numNulls());
      for (int i = 0; i < n; i++) {
        assertThat(out[0].isNullAt(i)).isEqualTo(ai.isNullAt(i));
        assertThat(out[1].isNullAt(i)).isEqualTo(as.isNullAt(i));
        if (!ai.isNullAt(i)) assertThat(out[0].getInt(i)).isEqualTo(i * 1000 + batch);
        assertThat(out[1].getUTF8String(i)).isEqualTo(as.getUTF8String(i));
      }
    }
  }
}
