package io.homi.runtime.parquet;

import org.apache.arrow.vector.types.pojo.Field;
import org.apache.parquet.format.Type;

/**
 * One leaf column of a flat schema: where its chunk sits in each row group (its index), its
 * physical type, how it decodes, and its definition level (0 = required, 1 = optional).
 */
public record ColumnDescriptor(int index, String name, Type physicalType, ValueKind kind, int maxDefinitionLevel) {
  public Field arrowField() {
    return Field.nullable(name, kind.arrowType());
  }
}
