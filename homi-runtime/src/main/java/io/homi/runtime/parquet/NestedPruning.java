package io.homi.runtime.parquet;

import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;

/**
 * Nested column pruning: a top-level nested column cut down to the fields a query asks for, so that
 * only the requested leaves' column chunks are fetched and decoded. The requested shape is an Arrow
 * field tree: a Struct lists the struct fields wanted (by name; an exact match first, then one
 * ignoring case, like {@link ParquetSchema#column}), a List its element, a Map its entries (key,
 * value); any other type means "this node whole".
 *
 * <p>Pruning keeps each node's levels (slot and definition levels, repetition level), so a struct's
 * validity and a list's or map's offsets are rebuilt from whichever leaf remains under it: every
 * leaf under a node carries that node's levels ({@link NestedColumnReader} builds an inner node
 * from its first remaining leaf). A struct asked for with no fields keeps its first leaf, the least
 * it needs to tell null structs from present ones.
 */
public final class NestedPruning {
  private NestedPruning() {}

  /**
   * The column with only the requested parts of {@code top}; {@code top} itself when nothing is
   * pruned away or it is not nested. A requested field the file lacks is an error naming the file
   * and the field's path.
   */
  public static ColumnDescriptor prune(ColumnDescriptor top, Field requested, String file)
      throws HomiParquetException {
    if (!top.isNested()) return top;
    NestedField pruned = prune(top.nested(), requested, top.name(), file);
    return pruned == top.nested() ? top : ColumnDescriptor.nested(pruned);
  }

  private static NestedField prune(NestedField node, Field req, String path, String file)
      throws HomiParquetException {
    ArrowType t = req.getType();
    switch (node.kind()) {
      case STRUCT -> {
        if (!(t instanceof ArrowType.Struct)) return node;
        if (req.getChildren().isEmpty()) return firstLeafOnly(node);
        List<NestedField> kept = new ArrayList<>();
        boolean same = req.getChildren().size() == node.children().size();
        for (int i = 0; i < req.getChildren().size(); i++) {
          Field rf = req.getChildren().get(i);
          NestedField c = child(node, rf.getName());
          if (c == null) {
            throw new HomiParquetException(
                "nested field '"
                    + path
                    + "."
                    + rf.getName()
                    + "' is requested but "
                    + file
                    + " has no such field (it has "
                    + names(node)
                    + ")");
          }
          NestedField p = prune(c, rf, path + "." + c.name(), file);
          same &= p == node.children().get(i);
          kept.add(p);
        }
        return same ? node : copy(node, kept);
      }
      case LIST -> {
        if (!(t instanceof ArrowType.List) || req.getChildren().size() != 1) return node;
        NestedField e = node.children().get(0);
        NestedField p = prune(e, req.getChildren().get(0), path + ".element", file);
        return p == e ? node : copy(node, List.of(p));
      }
      case MAP -> {
        if (!(t instanceof ArrowType.Map)
            || req.getChildren().size() != 1
            || req.getChildren().get(0).getChildren().size() != 2) {
          return node;
        }
        // The key stays whole (Spark never prunes map keys); the value may be pruned.
        NestedField entries = node.children().get(0);
        NestedField value = entries.children().get(1);
        NestedField p =
            prune(value, req.getChildren().get(0).getChildren().get(1), path + ".value", file);
        if (p == value) return node;
        return copy(node, List.of(copy(entries, List.of(entries.children().get(0), p))));
      }
      default -> {
        return node;
      }
    }
  }

  /** The node cut down to its first leaf (a map keeps its key and the first leaf of its value). */
  private static NestedField firstLeafOnly(NestedField node) {
    return switch (node.kind()) {
      case LEAF -> node;
      case STRUCT, LIST -> copy(node, List.of(firstLeafOnly(node.children().get(0))));
      case MAP -> {
        NestedField entries = node.children().get(0);
        yield copy(
            node,
            List.of(
                copy(
                    entries,
                    List.of(entries.children().get(0), firstLeafOnly(entries.children().get(1))))));
      }
    };
  }

  private static NestedField child(NestedField node, String name) {
    for (NestedField c : node.children()) if (c.name().equals(name)) return c;
    for (NestedField c : node.children()) if (c.name().equalsIgnoreCase(name)) return c;
    return null;
  }

  private static List<String> names(NestedField node) {
    List<String> out = new ArrayList<>();
    for (NestedField c : node.children()) out.add(c.name());
    return out;
  }

  private static NestedField copy(NestedField node, List<NestedField> children) {
    return new NestedField(
        node.kind(), node.name(), node.slotDef(), node.slotRep(), node.def(), children, null);
  }
}
