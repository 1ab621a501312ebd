package io.homi.runtime.parquet;

import org.apache.arrow.vector.types.DateUnit;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;

/**
 * What a leaf column's values are once decoded: the Arrow type it becomes and how many bytes a
 * PLAIN value takes in the page. Chosen to match the Spark type Spark's own reader gives.
 */
public enum ValueKind {
  BOOLEAN(new ArrowType.Bool(), 0),
  INT8(new ArrowType.Int(8, true), 4),
  INT16(new ArrowType.Int(16, true), 4),
  INT32(new ArrowType.Int(32, true), 4),
  INT64(new ArrowType.Int(64, true), 8),
  FLOAT(new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE), 4),
  DOUBLE(new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE), 8),
  DATE(new ArrowType.Date(DateUnit.DAY), 4),
  STRING(new ArrowType.Utf8(), -1),
  BINARY(new ArrowType.Binary(), -1);

  private final ArrowType arrowType;
  private final int plainWidth;

  ValueKind(ArrowType arrowType, int plainWidth) {
    this.arrowType = arrowType;
    this.plainWidth = plainWidth;
  }

  public ArrowType arrowType() {
    return arrowType;
  }

  /** Bytes per PLAIN value in a page; 0 for bit-packed booleans, -1 for length-prefixed bytes. */
  public int plainWidth() {
    return plainWidth;
  }

  public boolean isVariableWidth() {
    return plainWidth < 0;
  }

  /** True where the Arrow value has the page's width and bytes, so runs copy in bulk. */
  public boolean copiesAsIs() {
    return this == INT32 || this == INT64 || this == FLOAT || this == DOUBLE || this == DATE;
  }
}
