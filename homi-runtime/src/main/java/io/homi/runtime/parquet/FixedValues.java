package io.homi.runtime.parquet;

import org.apache.arrow.vector.FieldVector;

/** Fixed-width page values: any {@link FixedSource} through the one {@link FixedWriter}. */
final class FixedValues implements PageValues {
  private final ColumnDescriptor col;
  private final FixedSource source;
  private final String context;

  FixedValues(ColumnDescriptor col, FixedSource source, String context) {
    this.col = col;
    this.source = source;
    this.context = context;
  }

  @Override
  public void read(FieldVector v, int dst, int count) throws HomiParquetException {
    // Dictionary ids of a column whose Arrow layout is the page's: gather straight into the vector.
    if (source instanceof DictionaryFixedSource d
        && col.kind().copiesAsIs()
        && (d.width() == 4 || d.width() == 8)) {
      d.gatherInto(v.getDataBuffer(), (long) dst * d.width(), count);
      return;
    }
    int at = source.next(count);
    FixedWriter.write(col, v, dst, source.buffer(), at, count, context);
  }
}
