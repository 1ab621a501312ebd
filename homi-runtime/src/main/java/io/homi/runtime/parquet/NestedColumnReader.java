package io.homi.runtime.parquet;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.apache.arrow.vector.BitVectorHelper;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.complex.AbstractStructVector;
import org.apache.arrow.vector.complex.ListVector;

/**
 * Assembles one top-level nested column (struct, array, map at any depth) from its leaves'
 * repetition and definition levels into Arrow Struct/List/Map vectors. Each leaf's chunk reader
 * writes the leaf's values at its slots; the struct validity and list offsets of every inner
 * node are built from the levels of the node's first leaf (all leaves under a node agree on it).
 * Batches start at position 0 of the vector.
 */
final class NestedColumnReader implements ColumnReader {
  private final NestedField top;
  private final List<ColumnChunkReader> readers;
  private final List<NestedField[]> paths = new ArrayList<>();
  private final List<ColumnChunkReader.Levels> levels = new ArrayList<>();
  private final Map<NestedField, Integer> ids = new IdentityHashMap<>();
  private final List<NestedField> nodes = new ArrayList<>();
  private final String context;

  NestedColumnReader(NestedField top, List<ColumnChunkReader> readers, String file) {
    this.top = top;
    this.readers = readers;
    this.context = file + " (column '" + top.name() + "')";
    number(top);
    List<NestedField> path = new ArrayList<>();
    collectPaths(top, path);
    for (int i = 0; i < readers.size(); i++) levels.add(new ColumnChunkReader.Levels());
  }

  private void number(NestedField n) {
    ids.put(n, nodes.size());
    nodes.add(n);
    for (NestedField c : n.children()) number(c);
  }

  private void collectPaths(NestedField n, List<NestedField> path) {
    path.add(n);
    if (n.kind() == NestedField.Kind.LEAF) paths.add(path.toArray(new NestedField[0]));
    for (NestedField c : n.children()) collectPaths(c, path);
    path.remove(path.size() - 1);
  }

  @Override
  public void read(FieldVector v, int dst, int n) throws HomiParquetException {
    if (dst != 0) throw new IllegalArgumentException("nested column batches start at position 0, not " + dst);
    FieldVector[] vecs = new FieldVector[nodes.size()];
    bind(top, v, vecs);
    int[] count = new int[nodes.size()];
    for (int li = 0; li < readers.size(); li++) {
      NestedField[] path = paths.get(li);
      NestedField leafNode = path[path.length - 1];
      int leafId = ids.get(leafNode);
      ColumnChunkReader.Levels lv = levels.get(li);
      int slots = readers.get(li).readRecords(n, lv, vecs[leafId], leafNode.slotDef());
      ensure(vecs[leafId], slots);
      count[leafId] = slots;
      // The inner nodes this leaf builds: those whose first leaf it is.
      int from = path.length - 1;
      while (from > 0 && path[from - 1].firstLeaf() == leafNode.leaf()) from--;
      if (from == path.length - 1) continue;
      int[] pid = new int[path.length];
      for (int k = 0; k < path.length; k++) pid[k] = ids.get(path[k]);
      int leafCount = 0;
      for (int e = 0; e < lv.size; e++) {
        int r = lv.rep[e];
        int d = lv.def[e];
        for (int k = from; k < path.length - 1; k++) {
          NestedField node = path[k];
          if (r > node.slotRep() || d < node.slotDef()) continue;
          int id = pid[k];
          int idx = count[id]++;
          FieldVector nv = vecs[id];
          ensure(nv, idx + 1);
          if (d >= node.def()) BitVectorHelper.setBit(nv.getValidityBuffer(), idx);
          if (node.kind() == NestedField.Kind.LIST || node.kind() == NestedField.Kind.MAP) {
            int child = pid[k + 1];
            int childStart = child == leafId ? leafCount : count[child];
            ((ListVector) nv).getOffsetBuffer().setInt((long) idx * 4, childStart);
          }
        }
        if (d >= leafNode.slotDef()) leafCount++;
      }
      if (leafCount != slots) throw new IllegalStateException("leaf slots " + leafCount + " != " + slots + " in " + context);
    }
    for (NestedField node : nodes) {
      if (node.kind() != NestedField.Kind.LIST && node.kind() != NestedField.Kind.MAP) continue;
      int id = ids.get(node);
      ListVector lv = (ListVector) vecs[id];
      int c = count[id];
      ensure(lv, c);
      lv.getOffsetBuffer().setInt((long) c * 4, count[ids.get(node.children().get(0))]);
      lv.setLastSet(c - 1);
    }
    if (count[0] != n) {
      throw new CorruptParquetException(context, "levels give " + count[0] + " rows where " + n + " were read");
    }
  }

  private void bind(NestedField node, FieldVector v, FieldVector[] vecs) {
    vecs[ids.get(node)] = v;
    switch (node.kind()) {
      case STRUCT -> {
        AbstractStructVector s = (AbstractStructVector) v;
        for (int i = 0; i < node.children().size(); i++) bind(node.children().get(i), (FieldVector) s.getChildByOrdinal(i), vecs);
      }
      case LIST, MAP -> bind(node.children().get(0), ((ListVector) v).getDataVector(), vecs);
      default -> { }
    }
  }

  /** Grows a vector until it holds {@code n} values. */
  static void ensure(FieldVector v, int n) {
    if (v instanceof org.apache.arrow.vector.NullVector) return; // holds no buffers
    while (v.getValueCapacity() < n) v.reAlloc();
  }
}
