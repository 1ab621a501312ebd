package io.homi.runtime.parquet;

import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.parquet.format.Type;

/**
 * One leaf column of a flat schema: where its chunk sits in each row group (its index), its
 * physical type and FIXED_LEN_BYTE_ARRAY length, how it decodes, the Arrow type it becomes, and
 * its definition level (0 = required, 1 = optional).
 */
public record ColumnDescriptor(int index, String name, Type physicalType, int typeLength, ValueKind kind,
                               ArrowType arrowType, int maxDefinitionLevel) {
  public Field arrowField() {
    return Field.nullable(name, arrowType);
  }

  /** Bytes per PLAIN value of a fixed-width column; -1 for BYTE_ARRAY, 0 for BOOLEAN. */
  int plainWidth() {
    int w = kind.plainWidth();
    return w == -2 ? typeLength : w;
  }
}
