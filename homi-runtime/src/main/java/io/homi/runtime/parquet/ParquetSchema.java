package io.homi.runtime.parquet;

import java.util.ArrayList;
import java.util.List;
import org.apache.parquet.format.FieldRepetitionType;
import org.apache.parquet.format.FileMetaData;
import org.apache.parquet.format.SchemaElement;

/**
 * The footer's flattened schema tree turned into leaf columns. The type mapping follows
 * Spark's ParquetToSparkSchemaConverter with Spark 4.1 defaults ({@link TypeMapping}); anything this build does not
 * decode is refused with "unsupported: ..." naming the column and file, never read wrongly.
 */
public final class ParquetSchema {
  private final List<ColumnDescriptor> columns;

  private ParquetSchema(List<ColumnDescriptor> columns) {
    this.columns = columns;
  }

  public List<ColumnDescriptor> columns() {
    return columns;
  }

  public ColumnDescriptor column(String name) {
    for (ColumnDescriptor c : columns) if (c.name().equals(name)) return c;
    for (ColumnDescriptor c : columns) if (c.name().equalsIgnoreCase(name)) return c;
    return null;
  }

  public static ParquetSchema of(FileMetaData md, String file) throws HomiParquetException {
    List<SchemaElement> elems = md.getSchema();
    SchemaElement root = elems.get(0);
    int children = root.isSetNum_children() ? root.getNum_children() : 0;
    if (children < 0 || children != elems.size() - 1 && !anyNested(elems)) {
      throw new CorruptParquetException(file, "schema root claims " + children + " children but the footer lists "
          + (elems.size() - 1) + " elements");
    }
    if (anyNested(elems)) {
      String nested = elems.subList(1, elems.size()).stream()
          .filter(e -> e.isSetNum_children() || e.getRepetition_type() == FieldRepetitionType.REPEATED)
          .map(SchemaElement::getName).findFirst().orElse("?");
      throw new UnsupportedParquetException("nested or repeated column '" + nested + "'", file);
    }
    List<ColumnDescriptor> cols = new ArrayList<>();
    for (int i = 1; i < elems.size(); i++) {
      SchemaElement e = elems.get(i);
      if (!e.isSetType()) throw new CorruptParquetException(file, "leaf column '" + e.getName() + "' has no type");
      int maxDef = e.getRepetition_type() == FieldRepetitionType.REQUIRED ? 0 : 1;
      TypeMapping.Leaf leaf = TypeMapping.map(e, file);
      int typeLength = e.isSetType_length() ? e.getType_length() : 0;
      cols.add(new ColumnDescriptor(i - 1, e.getName(), e.getType(), typeLength, leaf.kind(), leaf.arrowType(), maxDef));
    }
    return new ParquetSchema(List.copyOf(cols));
  }

  private static boolean anyNested(List<SchemaElement> elems) {
    for (int i = 1; i < elems.size(); i++) {
      SchemaElement e = elems.get(i);
      if ((e.isSetNum_children() && e.getNum_children() > 0) || e.getRepetition_type() == FieldRepetitionType.REPEATED) {
        return true;
      }
    }
    return false;
  }

}
