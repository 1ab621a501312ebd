package io.homi.spark;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.complex.ListVector;
import org.apache.arrow.vector.complex.MapVector;
import org.apache.arrow.vector.complex.StructVector;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.spark.sql.catalyst.expressions.SpecializedGetters;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.vectorized.ArrowColumnVector;
import org.apache.spark.sql.vectorized.ColumnVector;
import org.apache.spark.sql.vectorized.ColumnarBatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The struct and array HomiColumnVectors against Spark's ArrowColumnVector over the same Arrow
 * vectors: every row read through Spark's own row and array views (struct fields, elements, nested
 * arrays and structs, nulls at every level), over batches that grow and reallocate.
 */
class HomiNestedColumnVectorTest {
  private static final FieldType INT = FieldType.nullable(new ArrowType.Int(32, true));
  private static final FieldType LONG = FieldType.nullable(new ArrowType.Int(64, true));
  private static final FieldType STRING = FieldType.nullable(ArrowType.Utf8.INSTANCE);
  private static final FieldType LIST = FieldType.nullable(ArrowType.List.INSTANCE);

  private final BufferAllocator allocator = new RootAllocator();
  private final List<FieldVector> vectors = new ArrayList<>();

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
   * struct<a int, b bigint, s string, l array<int>> with nulls at the struct, its fields and the
   * elements.
   */
  private static void fillStruct(StructVector st, int n, int batch) {
    IntVector a = (IntVector) st.getChild("a");
    BigIntVector b = (BigIntVector) st.getChild("b");
    VarCharVector s = (VarCharVector) st.getChild("s");
    ListVector l = (ListVector) st.getChild("l");
    IntVector le = (IntVector) l.getDataVector();
    for (int i = 0; i < n; i++) {
      if ((i + batch) % 9 == 4) {
        st.setNull(i);
        continue;
      }
      st.setIndexDefined(i);
      if (i % 5 == 1) a.setNull(i);
      else a.setSafe(i, i * 3 + batch);
      if (i % 6 == 2) b.setNull(i);
      else b.setSafe(i, (long) i << 33 | batch);
      if (i % 4 == 3) s.setNull(i);
      else s.setSafe(i, ("v" + i + "/" + batch).getBytes(StandardCharsets.UTF_8));
      if (i % 7 == 5) continue; // null array
      int start = l.startNewValue(i);
      int len = i % 4;
      for (int j = 0; j < len; j++)
        if ((i + j) % 3 == 2) le.setNull(start + j);
        else le.setSafe(start + j, i * 10 + j);
      l.endValue(i, len);
    }
    st.setValueCount(n);
  }

  /** array<array<int>> and array<struct<x int>>: nulls and empties at every level. */
  private static void fillLists(ListVector ll, ListVector ls, int n, int batch) {
    ListVector inner = (ListVector) ll.getDataVector();
    IntVector ie = (IntVector) inner.getDataVector();
    StructVector st = (StructVector) ls.getDataVector();
    IntVector x = (IntVector) st.getChild("x");
    for (int i = 0; i < n; i++) {
      if ((i + batch) % 6 != 0) {
        int start = ll.startNewValue(i);
        int len = i % 3;
        for (int j = 0; j < len; j++) {
          int k = start + j;
          if ((i + j) % 4 == 1) continue; // null inner array
          int s = inner.startNewValue(k);
          int m = (i + j) % 4;
          for (int e = 0; e < m; e++)
            if (e == 2) ie.setNull(s + e);
            else ie.setSafe(s + e, i + j + e + batch);
          inner.endValue(k, m);
        }
        ll.endValue(i, len);
      }
      if ((i + batch) % 5 != 1) {
        int start = ls.startNewValue(i);
        int len = (i + 1) % 4;
        for (int j = 0; j < len; j++) {
          int k = start + j;
          if ((i + j) % 5 == 3) {
            st.setNull(k);
            continue;
          }
          st.setIndexDefined(k);
          if (j == 1) x.setNull(k);
          else x.setSafe(k, i * 100 + j);
        }
        ls.endValue(i, len);
      }
    }
    ll.setValueCount(n);
    ls.setValueCount(n);
  }

  private StructVector newStruct() {
    StructVector st = track(StructVector.empty("st", allocator));
    st.addOrGet("a", INT, IntVector.class);
    st.addOrGet("b", LONG, BigIntVector.class);
    st.addOrGet("s", STRING, VarCharVector.class);
    st.addOrGet("l", LIST, ListVector.class).addOrGetVector(INT);
    return st;
  }

  @Test
  void structsAndArraysReadAsArrowColumnVectorDoes() {
    StructVector st = newStruct();
    ListVector li = track(ListVector.empty("li", allocator));
    li.addOrGetVector(INT);
    ListVector ll = track(ListVector.empty("ll", allocator));
    ll.addOrGetVector(LIST);
    ((ListVector) ll.getDataVector()).addOrGetVector(INT);
    ListVector ls = track(ListVector.empty("ls", allocator));
    ((StructVector) ls.addOrGetVector(FieldType.nullable(ArrowType.Struct.INSTANCE)).getVector())
        .addOrGet("x", INT, IntVector.class);
    ColumnVector[] homi = {
      HomiColumnVector.wrap(st), HomiColumnVector.wrap(ll), HomiColumnVector.wrap(ls)
    };
    for (ColumnVector h : homi) assertThat(h).isInstanceOf(HomiColumnVector.class);
    assertThat(homi[0].getChild(0)).isInstanceOf(HomiColumnVectors.Ints.class);
    assertThat(homi[0].getChild(2)).isInstanceOf(HomiColumnVectors.Strings.class);
    assertThat(homi[0].getChild(3)).isInstanceOf(HomiNestedColumnVectors.Lists.class);
    for (int batch = 0; batch < 4; batch++) {
      int n = 20 << (2 * batch); // grows: forces reallocation, so refresh must follow the buffers
      for (FieldVector v : List.of(st, ll, ls)) {
        if (batch % 2 == 0) v.clear();
        else v.reset();
      }
      fillStruct(st, n, batch);
      fillLists(ll, ls, n, batch);
      HomiColumnVector.refresh(homi);
      ColumnVector[] arrow = {
        new ArrowColumnVector(st), new ArrowColumnVector(ll), new ArrowColumnVector(ls)
      };
      for (int c = 0; c < homi.length; c++) {
        assertThat(homi[c].dataType()).isEqualTo(arrow[c].dataType());
        assertThat(homi[c].hasNull()).isEqualTo(arrow[c].hasNull());
        assertThat(homi[c].numNulls()).isEqualTo(arrow[c].numNulls());
        assertThat(homi[c].numNulls()).isPositive();
        ColumnarBatch hb = new ColumnarBatch(new ColumnVector[] {homi[c]}, n);
        ColumnarBatch ab = new ColumnarBatch(new ColumnVector[] {arrow[c]}, n);
        for (int i = 0; i < n; i++)
          same(hb.getRow(i), ab.getRow(i), 0, homi[c].dataType(), "batch " + batch + " row " + i);
      }
    }
  }

  /** Compares one value of type t, recursively, through Spark's getters. */
  private static void same(
      SpecializedGetters h, SpecializedGetters a, int ord, DataType t, String where) {
    assertThat(h.isNullAt(ord)).as("isNullAt %s", where).isEqualTo(a.isNullAt(ord));
    if (a.isNullAt(ord)) return;
    if (t == DataTypes.IntegerType) {
      assertThat(h.getInt(ord)).as(where).isEqualTo(a.getInt(ord));
    } else if (t == DataTypes.LongType) {
      assertThat(h.getLong(ord)).as(where).isEqualTo(a.getLong(ord));
    } else if (t == DataTypes.StringType) {
      assertThat(h.getUTF8String(ord)).as(where).isEqualTo(a.getUTF8String(ord));
    } else if (t instanceof StructType s) {
      StructField[] fs = s.fields();
      SpecializedGetters hs = h.getStruct(ord, fs.length);
      SpecializedGetters as = a.getStruct(ord, fs.length);
      for (int f = 0; f < fs.length; f++)
        same(hs, as, f, fs[f].dataType(), where + "." + fs[f].name());
    } else if (t instanceof ArrayType at) {
      ArrayData ha = h.getArray(ord);
      ArrayData aa = a.getArray(ord);
      assertThat(ha.numElements()).as("numElements %s", where).isEqualTo(aa.numElements());
      for (int j = 0; j < aa.numElements(); j++)
        same(ha, aa, j, at.elementType(), where + "[" + j + "]");
    } else {
      throw new AssertionError("no comparison for " + t);
    }
  }

  @Test
  void mapsStayArrowColumnVectors() {
    MapVector m = track(MapVector.empty("m", allocator, false));
    StructVector entries =
        (StructVector)
            m.addOrGetVector(FieldType.notNullable(ArrowType.Struct.INSTANCE)).getVector();
    entries.addOrGet(
        MapVector.KEY_NAME, FieldType.notNullable(new ArrowType.Int(32, true)), IntVector.class);
    entries.addOrGet(MapVector.VALUE_NAME, INT, IntVector.class);
    assertThat(HomiColumnVector.wrap(m)).isExactlyInstanceOf(ArrowColumnVector.class);
  }
}
