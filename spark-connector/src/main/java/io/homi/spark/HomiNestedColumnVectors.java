package io.homi.spark;

import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.complex.ListVector;
import org.apache.arrow.vector.complex.StructVector;
import org.apache.spark.sql.vectorized.ColumnVector;
import org.apache.spark.sql.vectorized.ColumnarArray;
import org.apache.spark.unsafe.Platform;

/**
 * The {@link HomiColumnVector}s of structs and arrays. Their children are themselves wrapped by
 * {@link HomiColumnVector#wrap}, so a struct field or an array element of a flat type is read with
 * the same unchecked loads as a top-level column (Spark's ArrowColumnVector would read them through
 * Arrow's checked getters). {@link #refresh} reaches the children: a nested batch reallocates their
 * buffers as it grows.
 */
final class HomiNestedColumnVectors {
  private HomiNestedColumnVectors() {}

  /** StructVector (nullable): a validity bit per row, one child per field. */
  static final class Structs extends HomiColumnVector {
    private final ColumnVector[] children;

    Structs(StructVector v) {
      super(v);
      children = new ColumnVector[v.size()];
      for (int i = 0; i < children.length; i++)
        children[i] = wrap((FieldVector) v.getChildByOrdinal(i));
    }

    @Override
    void refreshBuffers() {
      refresh(children);
    }

    @Override
    public ColumnVector getChild(int ordinal) {
      return children[ordinal];
    }

    @Override
    public void close() {
      for (ColumnVector c : children) c.close();
      super.close();
    }
  }

  /** ListVector (not a map): row i holds the elements [offsets[i], offsets[i+1]) of the child. */
  static final class Lists extends HomiColumnVector {
    private final ColumnVector elements;
    private long offsets;

    Lists(ListVector v) {
      super(v);
      elements = wrap(v.getDataVector());
    }

    @Override
    void refreshBuffers() {
      offsets = vector.getOffsetBuffer().memoryAddress();
      refresh(new ColumnVector[] {elements});
    }

    @Override
    public ColumnarArray getArray(int rowId) {
      if (isNullAt(rowId)) return null;
      long o = offsets + 4L * rowId;
      int start = Platform.getInt(null, o);
      return new ColumnarArray(elements, start, Platform.getInt(null, o + 4) - start);
    }

    @Override
    public void close() {
      elements.close();
      super.close();
    }
  }
}
