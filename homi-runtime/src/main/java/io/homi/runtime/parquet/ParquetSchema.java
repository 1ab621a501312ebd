package io.homi.runtime.parquet;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.parquet.format.ConvertedType;
import org.apache.parquet.format.FieldRepetitionType;
import org.apache.parquet.format.FileMetaData;
import org.apache.parquet.format.LogicalType;
import org.apache.parquet.format.SchemaElement;
import org.apache.parquet.format.Type;

/**
 * The footer's flattened schema tree turned into leaf columns. The type mapping follows
 * Spark's ParquetToSparkSchemaConverter with Spark 4.1 defaults; anything this build does not
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
      cols.add(new ColumnDescriptor(i - 1, e.getName(), e.getType(), kindOf(e, file), maxDef));
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

  private static ValueKind kindOf(SchemaElement e, String file) throws UnsupportedParquetException {
    Type t = e.getType();
    LogicalType lt = e.isSetLogicalType() ? e.getLogicalType() : null;
    ConvertedType ct = e.isSetConverted_type() ? e.getConverted_type() : null;
    String what = describe(e);
    switch (t) {
      case BOOLEAN:
        if (lt == null && ct == null) return ValueKind.BOOLEAN;
        break;
      case INT32:
        if (lt == null && ct == null) return ValueKind.INT32;
        if ((lt != null && lt.isSetDATE()) || ct == ConvertedType.DATE) return ValueKind.DATE;
        if (lt != null && lt.isSetINTEGER() && lt.getINTEGER().isIsSigned()) {
          return switch (lt.getINTEGER().getBitWidth()) {
            case 8 -> ValueKind.INT8;
            case 16 -> ValueKind.INT16;
            case 32 -> ValueKind.INT32;
            default -> throw new UnsupportedParquetException(what, file);
          };
        }
        if (lt == null && ct == ConvertedType.INT_8) return ValueKind.INT8;
        if (lt == null && ct == ConvertedType.INT_16) return ValueKind.INT16;
        if (lt == null && ct == ConvertedType.INT_32) return ValueKind.INT32;
        break;
      case INT64:
        if (lt == null && (ct == null || ct == ConvertedType.INT_64)) return ValueKind.INT64;
        if (lt != null && lt.isSetINTEGER() && lt.getINTEGER().isIsSigned() && lt.getINTEGER().getBitWidth() == 64) {
          return ValueKind.INT64;
        }
        break;
      case FLOAT:
        if (lt == null && ct == null) return ValueKind.FLOAT;
        break;
      case DOUBLE:
        if (lt == null && ct == null) return ValueKind.DOUBLE;
        break;
      case BYTE_ARRAY:
        if (lt == null && ct == null) return ValueKind.BINARY;
        if ((lt != null && (lt.isSetSTRING() || lt.isSetENUM() || lt.isSetJSON()))
            || ct == ConvertedType.UTF8 || ct == ConvertedType.ENUM || ct == ConvertedType.JSON) {
          return ValueKind.STRING;
        }
        if ((lt != null && lt.isSetBSON()) || ct == ConvertedType.BSON) return ValueKind.BINARY;
        break;
      default:
        break;
    }
    throw new UnsupportedParquetException(what, file);
  }

  private static String describe(SchemaElement e) {
    StringBuilder b = new StringBuilder("column '").append(e.getName()).append("' of type ").append(e.getType());
    if (e.isSetLogicalType()) b.append(" with logical type ").append(logicalName(e.getLogicalType()));
    else if (e.isSetConverted_type()) b.append(" with converted type ").append(e.getConverted_type());
    return b.toString();
  }

  private static String logicalName(LogicalType lt) {
    return lt.getSetField() == null ? "?" : lt.getSetField().getFieldName().toUpperCase(Locale.ROOT);
  }
}
