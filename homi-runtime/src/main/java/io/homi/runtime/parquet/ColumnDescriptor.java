package io.homi.runtime.parquet;

import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.parquet.format.Type;

/**
 * A column of the file. Either a primitive column (a leaf: where its chunk sits in each row group
 * (its index), its physical type and FIXED_LEN_BYTE_ARRAY length, how it decodes, the Arrow type it
 * becomes, its maximum definition and repetition levels; {@code name} is the dotted path for a leaf
 * inside a nested column), or a top-level nested column ({@link #nested()} is set: a struct, array
 * or map over several leaves, {@code index} -1 and no physical type).
 */
public record ColumnDescriptor(
    int index,
    String name,
    Type physicalType,
    int typeLength,
    ValueKind kind,
    ArrowType arrowType,
    int maxDefinitionLevel,
    int maxRepetitionLevel,
    NestedField nested) {
  /** A flat primitive column (definition level 0 = required, 1 = optional). */
  public ColumnDescriptor(
      int index,
      String name,
      Type physicalType,
      int typeLength,
      ValueKind kind,
      ArrowType arrowType,
      int maxDefinitionLevel) {
    this(index, name, physicalType, typeLength, kind, arrowType, maxDefinitionLevel, 0, null);
  }

  static ColumnDescriptor nested(NestedField top) {
    return new ColumnDescriptor(
        -1, top.name(), null, 0, null, top.arrowField().getType(), -1, -1, top);
  }

  /** True for a top-level struct, array or map (decoded from several leaves' levels). */
  public boolean isNested() {
    return nested != null;
  }

  public Field arrowField() {
    return nested != null ? nested.arrowField() : Field.nullable(name, arrowType);
  }

  /** Bytes per PLAIN value of a fixed-width column; -1 for BYTE_ARRAY, 0 for BOOLEAN. */
  int plainWidth() {
    int w = kind.plainWidth();
    return w == -2 ? typeLength : w;
  }
}
