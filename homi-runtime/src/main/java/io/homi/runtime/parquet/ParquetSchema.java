package io.homi.runtime.parquet;

import java.util.ArrayList;
import java.util.List;
import org.apache.parquet.format.ConvertedType;
import org.apache.parquet.format.FieldRepetitionType;
import org.apache.parquet.format.FileMetaData;
import org.apache.parquet.format.LogicalType;
import org.apache.parquet.format.SchemaElement;

/**
 * The footer's flattened schema tree turned into top-level columns. The type mapping follows
 * Spark's ParquetToSparkSchemaConverter with Spark 4.1 defaults ({@link TypeMapping}): a flat
 * primitive column is a {@link ColumnDescriptor} leaf; groups become structs, LIST/MAP groups
 * arrays and maps (legacy two-level lists included, by Spark's rules), and a repeated field outside
 * a LIST/MAP group an array of non-null elements. Anything this build does not decode is refused
 * with "unsupported: ..." naming the column and file, never read wrongly.
 */
public final class ParquetSchema {
  private static final int MAX_DEPTH = 64;
  private final List<ColumnDescriptor> columns;
  private final int leafCount;

  private ParquetSchema(List<ColumnDescriptor> columns, int leafCount) {
    this.columns = columns;
    this.leafCount = leafCount;
  }

  /** Top-level columns in schema order (flat leaves, or nested columns). */
  public List<ColumnDescriptor> columns() {
    return columns;
  }

  /** Primitive columns in the file: the number of column chunks in every row group. */
  public int leafCount() {
    return leafCount;
  }

  public ColumnDescriptor column(String name) {
    for (ColumnDescriptor c : columns) if (c.name().equals(name)) return c;
    for (ColumnDescriptor c : columns) if (c.name().equalsIgnoreCase(name)) return c;
    return null;
  }

  /** The footer's schema elements as a tree. */
  private record Elem(SchemaElement e, List<Elem> children) {
    String name() {
      return e.getName();
    }

    boolean primitive() {
      return children.isEmpty() && e.isSetType();
    }

    FieldRepetitionType rep() {
      return e.isSetRepetition_type() ? e.getRepetition_type() : FieldRepetitionType.OPTIONAL;
    }
  }

  public static ParquetSchema of(FileMetaData md, String file) throws HomiParquetException {
    List<SchemaElement> elems = md.getSchema();
    if (elems == null || elems.isEmpty())
      throw new CorruptParquetException(file, "footer has no schema");
    int[] pos = {0};
    Elem root = tree(elems, pos, 0, file);
    if (pos[0] != elems.size()) {
      throw new CorruptParquetException(
          file,
          "schema root claims "
              + root.children().size()
              + " children but the footer lists "
              + (elems.size() - 1)
              + " elements");
    }
    Builder b = new Builder(file);
    List<ColumnDescriptor> cols = new ArrayList<>();
    for (Elem c : root.children()) {
      if (c.primitive() && c.rep() != FieldRepetitionType.REPEATED) {
        int maxDef = c.rep() == FieldRepetitionType.REQUIRED ? 0 : 1;
        TypeMapping.Leaf leaf = TypeMapping.map(c.e(), file);
        int typeLength = c.e().isSetType_length() ? c.e().getType_length() : 0;
        cols.add(
            new ColumnDescriptor(
                b.leaves++,
                c.name(),
                c.e().getType(),
                typeLength,
                leaf.kind(),
                leaf.arrowType(),
                maxDef));
      } else {
        NestedField n = b.convert(c, c.name(), 0, 0, 0, 0, 0, true, 1);
        cols.add(ColumnDescriptor.nested(n));
      }
    }
    return new ParquetSchema(List.copyOf(cols), b.leaves);
  }

  private static Elem tree(List<SchemaElement> elems, int[] pos, int depth, String file)
      throws CorruptParquetException {
    if (depth > MAX_DEPTH)
      throw new CorruptParquetException(file, "schema nested deeper than " + MAX_DEPTH + " levels");
    if (pos[0] >= elems.size())
      throw new CorruptParquetException(
          file, "schema ends inside a group (element " + pos[0] + ")");
    SchemaElement e = elems.get(pos[0]++);
    int n = e.isSetNum_children() ? e.getNum_children() : 0;
    if (n < 0 || n > elems.size() - pos[0]) {
      throw new CorruptParquetException(
          file,
          "schema element '"
              + e.getName()
              + "' claims "
              + n
              + " children but the footer"
              + " has "
              + (elems.size() - pos[0])
              + " elements left");
    }
    // Thrift leaves an enum value it does not know unset: a repetition outside the enum must not
    // read as OPTIONAL (parquet-java refuses such a schema too).
    if (depth > 0 && !e.isSetRepetition_type()) {
      throw new CorruptParquetException(
          file, "schema element '" + e.getName() + "' has no valid repetition type");
    }
    if (depth > 0 && n == 0 && !e.isSetType()) {
      throw new CorruptParquetException(file, "leaf column '" + e.getName() + "' has no type");
    }
    List<Elem> children = new ArrayList<>(n);
    for (int i = 0; i < n; i++) children.add(tree(elems, pos, depth + 1, file));
    return new Elem(e, children);
  }

  private static final class Builder {
    private final String file;
    int leaves;

    Builder(String file) {
      this.file = file;
    }

    /**
     * Spark's conversion of one field. {@code slot}/{@code r}: where the field's slot opens in the
     * levels (a struct's fields have a slot wherever the struct has one, null or not); {@code d}:
     * the definition level at which the enclosing value is non-null; {@code pd}/{@code pr}: the
     * parent's real Parquet levels (a leaf's must agree with the levels its Spark shape implies, or
     * the file's layout is refused). {@code struct}: the field is a struct member, where REPEATED
     * means an array of non-null elements.
     */
    NestedField convert(
        Elem t, String path, int slot, int d, int r, int pd, int pr, boolean struct, int depth)
        throws HomiParquetException {
      FieldRepetitionType rep = t.rep();
      if (struct && rep == FieldRepetitionType.REPEATED) {
        NestedField element = convert(t, path, d + 1, d + 1, r + 1, pd, pr, false, depth + 1);
        return new NestedField(NestedField.Kind.LIST, t.name(), slot, r, d, List.of(element), null);
      }
      int td = pd + (rep == FieldRepetitionType.REQUIRED ? 0 : 1);
      int tr = pr + (rep == FieldRepetitionType.REPEATED ? 1 : 0);
      int own = d + (rep == FieldRepetitionType.OPTIONAL ? 1 : 0);
      if (t.primitive()) {
        if (own != td || r != tr)
          throw unsupported(path, "repetition layout Spark's reader does not map");
        TypeMapping.Leaf leaf = TypeMapping.map(t.e(), file);
        int typeLength = t.e().isSetType_length() ? t.e().getType_length() : 0;
        ColumnDescriptor c =
            new ColumnDescriptor(
                leaves++,
                path,
                t.e().getType(),
                typeLength,
                leaf.kind(),
                leaf.arrowType(),
                td,
                tr,
                null);
        return new NestedField(NestedField.Kind.LEAF, t.name(), slot, r, own, List.of(), c);
      }
      if (t.children().isEmpty()) throw unsupported(path, "a group with no fields");
      switch (groupAnnotation(t.e(), path)) {
        case "LIST":
          {
            if (t.children().size() != 1
                || t.children().get(0).rep() != FieldRepetitionType.REPEATED) {
              throw unsupported(path, "Invalid list type");
            }
            Elem repeated = t.children().get(0);
            NestedField element;
            String ep = path + "." + repeated.name();
            if (isElementType(repeated, t.name())) {
              element = convert(repeated, ep, own + 1, own + 1, r + 1, td, tr, false, depth + 1);
            } else {
              if (repeated.children().size() != 1) throw unsupported(path, "Invalid list type");
              Elem e = repeated.children().get(0);
              if (e.rep() == FieldRepetitionType.REPEATED)
                throw unsupported(path, "Invalid list type (repeated element)");
              element =
                  convert(
                      e,
                      ep + "." + e.name(),
                      own + 1,
                      own + 1,
                      r + 1,
                      td + 1,
                      tr + 1,
                      false,
                      depth + 2);
            }
            return new NestedField(
                NestedField.Kind.LIST, t.name(), slot, r, own, List.of(element), null);
          }
        case "MAP":
          {
            if (t.children().size() != 1 || t.children().get(0).primitive())
              throw unsupported(path, "Invalid map type");
            Elem kv = t.children().get(0);
            if (kv.rep() != FieldRepetitionType.REPEATED || kv.children().size() != 2)
              throw unsupported(path, "Invalid map type");
            String kp = path + "." + kv.name();
            NestedField key =
                convert(
                    kv.children().get(0),
                    kp + "." + kv.children().get(0).name(),
                    own + 1,
                    own + 1,
                    r + 1,
                    td + 1,
                    tr + 1,
                    false,
                    depth + 2);
            NestedField value =
                convert(
                    kv.children().get(1),
                    kp + "." + kv.children().get(1).name(),
                    own + 1,
                    own + 1,
                    r + 1,
                    td + 1,
                    tr + 1,
                    false,
                    depth + 2);
            NestedField entries =
                new NestedField(
                    NestedField.Kind.STRUCT,
                    "entries",
                    own + 1,
                    r + 1,
                    own + 1,
                    List.of(key, value),
                    null);
            return new NestedField(
                NestedField.Kind.MAP, t.name(), slot, r, own, List.of(entries), null);
          }
        default:
          {
            List<NestedField> fields = new ArrayList<>();
            for (Elem c : t.children())
              fields.add(convert(c, path + "." + c.name(), slot, own, r, td, tr, true, depth + 1));
            return new NestedField(NestedField.Kind.STRUCT, t.name(), slot, r, own, fields, null);
          }
      }
    }

    /** Spark's ParquetToSparkSchemaConverter.isElementType: legacy two-level list layouts. */
    private static boolean isElementType(Elem repeated, String parentName) {
      return repeated.primitive()
          || repeated.children().size() > 1
          || repeated.name().equals("array")
          || repeated.name().equals(parentName + "_tuple");
    }

    private String groupAnnotation(SchemaElement e, String path)
        throws UnsupportedParquetException {
      if (e.isSetLogicalType()) {
        LogicalType lt = e.getLogicalType();
        if (lt.isSetLIST()) return "LIST";
        if (lt.isSetMAP()) return "MAP";
        throw unsupported(path, "Illegal Parquet type: group annotated " + lt.getSetField());
      }
      if (!e.isSetConverted_type()) return "STRUCT";
      ConvertedType ct = e.getConverted_type();
      if (ct == ConvertedType.LIST) return "LIST";
      if (ct == ConvertedType.MAP || ct == ConvertedType.MAP_KEY_VALUE) return "MAP";
      throw unsupported(path, "Illegal Parquet type: group annotated " + ct);
    }

    private UnsupportedParquetException unsupported(String path, String what) {
      return new UnsupportedParquetException("nested column '" + path + "': " + what, file);
    }
  }
}
