package io.homi.runtime.parquet;

import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;

/**
 * One node of a nested column as Spark sees it (struct, array, map or primitive leaf), with the
 * levels that place it in the Dremel encoding:
 *
 * <ul>
 *   <li>a level entry opens a new <em>slot</em> of this node when {@code rep <= slotRep} and {@code
 *       def >= slotDef} (the enclosing value exists and this is not a continuation of a deeper
 *       list);
 *   <li>the slot's value is non-null when {@code def >= def};
 *   <li>a struct's fields have a slot wherever the struct has one (null or not);
 *   <li>for arrays and maps, the child ({@code children.get(0)}: the element, or the map's entries
 *       struct of key and value) has slots at {@code def + 1} and {@code slotRep + 1}.
 * </ul>
 *
 * Every Arrow field is nullable (Spark's file sources read schemas as nullable), except a map's
 * entries and keys, which Arrow requires non-null.
 */
public final class NestedField {
  public enum Kind {
    LEAF,
    STRUCT,
    LIST,
    MAP
  }

  private final Kind kind;
  private final String name;
  private final int slotDef;
  private final int slotRep;
  private final int def;
  private final List<NestedField> children;
  private final ColumnDescriptor leaf;

  /** The leaf whose levels build this node's own validity and offsets: its first leaf. */
  private final ColumnDescriptor firstLeaf;

  NestedField(
      Kind kind,
      String name,
      int slotDef,
      int slotRep,
      int def,
      List<NestedField> children,
      ColumnDescriptor leaf) {
    this.kind = kind;
    this.name = name;
    this.slotDef = slotDef;
    this.slotRep = slotRep;
    this.def = def;
    this.children = List.copyOf(children);
    this.leaf = leaf;
    this.firstLeaf = leaf != null ? leaf : this.children.get(0).firstLeaf;
  }

  public Kind kind() {
    return kind;
  }

  public String name() {
    return name;
  }

  int slotDef() {
    return slotDef;
  }

  int slotRep() {
    return slotRep;
  }

  int def() {
    return def;
  }

  public List<NestedField> children() {
    return children;
  }

  /** The primitive column of a leaf node, null otherwise. */
  public ColumnDescriptor leaf() {
    return leaf;
  }

  ColumnDescriptor firstLeaf() {
    return firstLeaf;
  }

  /** The primitive columns under this node, in file order. */
  public List<ColumnDescriptor> leaves() {
    List<ColumnDescriptor> out = new ArrayList<>();
    collect(out);
    return out;
  }

  private void collect(List<ColumnDescriptor> out) {
    if (leaf != null) out.add(leaf);
    for (NestedField c : children) c.collect(out);
  }

  public Field arrowField() {
    return field(name, true);
  }

  private Field field(String n, boolean nullable) {
    FieldType ft = nullable ? FieldType.nullable(type()) : FieldType.notNullable(type());
    return switch (kind) {
      case LEAF -> new Field(n, ft, null);
      case STRUCT -> {
        List<Field> fs = new ArrayList<>();
        for (NestedField c : children) fs.add(c.field(c.name, true));
        yield new Field(n, ft, fs);
      }
      case LIST -> new Field(n, ft, List.of(children.get(0).field("element", true)));
      case MAP -> {
        NestedField entries = children.get(0);
        Field key = entries.children.get(0).field("key", false);
        Field value = entries.children.get(1).field("value", true);
        yield new Field(
            n,
            ft,
            List.of(
                new Field(
                    "entries",
                    FieldType.notNullable(new ArrowType.Struct()),
                    List.of(key, value))));
      }
    };
  }

  private ArrowType type() {
    return switch (kind) {
      case LEAF -> leaf.arrowType();
      case STRUCT -> new ArrowType.Struct();
      case LIST -> new ArrowType.List();
      case MAP -> new ArrowType.Map(false);
    };
  }

  @Override
  public String toString() {
    return kind
        + " "
        + name
        + " [slot d"
        + slotDef
        + " r"
        + slotRep
        + ", def "
        + def
        + "]"
        + (children.isEmpty() ? "" : children);
  }
}
