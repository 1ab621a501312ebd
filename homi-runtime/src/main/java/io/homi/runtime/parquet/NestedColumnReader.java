package io.homi.runtime.parquet;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.util.MemoryUtil;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.complex.AbstractStructVector;
import org.apache.arrow.vector.complex.ListVector;

/**
 * Assembles one top-level nested column (struct, array, map at any depth) from its leaves'
 * repetition and definition levels into Arrow Struct/List/Map vectors. Each leaf's chunk reader
 * writes the leaf's values at its slots; the struct validity and list offsets of every inner node
 * are built from the levels of the node's first leaf (all leaves under a node agree on it). Batches
 * start at position 0 of the vector.
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
    for (int i = 0; i < readers.size(); i++) {
      levels.add(new ColumnChunkReader.Levels());
      readers
          .get(i)
          .requireDefinedLists(definedAt(paths.get(i), readers.get(i).maxRepetitionLevel()));
    }
  }

  /**
   * For each repetition level r > 0 of a leaf, the definition level an entry repeating at r must
   * reach: that of the list whose element it is (its slot). A lower one would be an element of a
   * list the levels also call null or empty; such levels are refused, not read one way or another.
   */
  private static int[] definedAt(NestedField[] path, int maxRep) {
    int[] min = new int[maxRep + 1];
    java.util.Arrays.fill(min, Integer.MAX_VALUE);
    min[0] = 0;
    for (NestedField n : path) {
      int r = n.slotRep();
      if (r > 0 && r <= maxRep) min[r] = Math.min(min[r], n.slotDef());
    }
    for (int r = 1; r <= maxRep; r++) if (min[r] == Integer.MAX_VALUE) min[r] = 0;
    return min;
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
    if (dst != 0)
      throw new IllegalArgumentException("nested column batches start at position 0, not " + dst);
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
      int leafCount = buildInner(lv, path, pid, from, leafId, vecs, count);
      if (leafCount != slots)
        throw new IllegalStateException(
            "leaf slots " + leafCount + " != " + slots + " in " + context);
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
      throw new CorruptParquetException(
          context, "levels give " + count[0] + " rows where " + n + " were read");
    }
  }

  /**
   * Writes the validity bits and offsets of the inner nodes {@code path[from, leaf)} from one
   * leaf's levels; returns the leaf slots counted. This is the per-entry loop of a nested column,
   * so it avoids Arrow's checked setters: a node's capacity and buffer addresses are cached, and
   * re-read (for every node) only after a vector grows, since growing a struct reallocates its
   * children's buffers too.
   */
  private static int buildInner(
      ColumnChunkReader.Levels lv,
      NestedField[] path,
      int[] pid,
      int from,
      int leafId,
      FieldVector[] vecs,
      int[] count) {
    int inner = path.length - 1 - from;
    int[] slotRep = new int[inner];
    int[] slotDef = new int[inner];
    int[] def = new int[inner];
    int[] id = new int[inner];
    int[] childId = new int[inner]; // -1 for a struct (no offsets)
    for (int j = 0; j < inner; j++) {
      NestedField node = path[from + j];
      slotRep[j] = node.slotRep();
      slotDef[j] = node.slotDef();
      def[j] = node.def();
      id[j] = pid[from + j];
      boolean list = node.kind() == NestedField.Kind.LIST || node.kind() == NestedField.Kind.MAP;
      childId[j] = list ? pid[from + j + 1] : -1;
    }
    int[] cap = new int[inner];
    long[] validity = new long[inner];
    long[] offsets = new long[inner];
    cacheBuffers(vecs, id, childId, cap, validity, offsets);
    int leafSlotDef = path[path.length - 1].slotDef();
    int[] reps = lv.rep;
    int[] defs = lv.def;
    int leafCount = 0;
    for (int e = 0, size = lv.size; e < size; e++) {
      int r = reps[e];
      int d = defs[e];
      for (int j = 0; j < inner; j++) {
        if (r > slotRep[j] || d < slotDef[j]) continue;
        int idx = count[id[j]]++;
        if (idx >= cap[j]) {
          ensure(vecs[id[j]], idx + 1);
          cacheBuffers(vecs, id, childId, cap, validity, offsets);
        }
        if (d >= def[j]) {
          long a = validity[j] + (idx >>> 3);
          MemoryUtil.putByte(a, (byte) (MemoryUtil.getByte(a) | (1 << (idx & 7))));
        }
        int child = childId[j];
        if (child >= 0)
          MemoryUtil.putInt(offsets[j] + 4L * idx, child == leafId ? leafCount : count[child]);
      }
      if (d >= leafSlotDef) leafCount++;
    }
    return leafCount;
  }

  private static void cacheBuffers(
      FieldVector[] vecs, int[] id, int[] childId, int[] cap, long[] validity, long[] offsets) {
    for (int j = 0; j < id.length; j++) {
      FieldVector v = vecs[id[j]];
      cap[j] = v.getValueCapacity();
      validity[j] = v.getValidityBuffer().memoryAddress();
      offsets[j] = childId[j] >= 0 ? ((ListVector) v).getOffsetBuffer().memoryAddress() : 0;
    }
  }

  private void bind(NestedField node, FieldVector v, FieldVector[] vecs) {
    vecs[ids.get(node)] = v;
    switch (node.kind()) {
      case STRUCT -> {
        AbstractStructVector s = (AbstractStructVector) v;
        for (int i = 0; i < node.children().size(); i++)
          bind(node.children().get(i), (FieldVector) s.getChildByOrdinal(i), vecs);
      }
      case LIST, MAP -> bind(node.children().get(0), ((ListVector) v).getDataVector(), vecs);
      default -> {}
    }
  }

  /** Grows a vector until it holds {@code n} values. */
  static void ensure(FieldVector v, int n) {
    if (v instanceof org.apache.arrow.vector.NullVector) return; // holds no buffers
    while (v.getValueCapacity() < n) v.reAlloc();
  }
}
