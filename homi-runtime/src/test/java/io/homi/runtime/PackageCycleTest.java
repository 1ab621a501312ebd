package io.homi.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.DataInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The runtime's packages form no cycle: each compiled class's constant pool names the classes it
 * uses, which gives the package graph; its strongly connected components must be single packages.
 * The Parquet layer sits below the runtime's root: it reaches the runtime only through its own
 * interfaces ({@code parquet.ReaderRuntime}, {@code parquet.ReaderSettings}).
 */
class PackageCycleTest {
  private static final Pattern CLASS_NAME =
      Pattern.compile("io/homi/runtime/((?:[a-z0-9_]+/)*)[A-Z]");

  @Test
  void noPackageCycle() throws IOException {
    Map<String, Set<String>> graph = graph(Path.of("target", "classes", "io", "homi", "runtime"));
    assertThat(graph).as("packages found").containsKeys("root", "parquet", "mediator", "control");
    Set<List<String>> cycles = new java.util.HashSet<>();
    for (Set<String> scc : components(graph)) if (scc.size() > 1) cycles.add(List.copyOf(scc));
    assertThat(cycles).as("package cycles (edges: %s)", graph).isEmpty();
  }

  @Test
  void theParquetLayerKnowsNothingAboveIt() throws IOException {
    Map<String, Set<String>> graph = graph(Path.of("target", "classes", "io", "homi", "runtime"));
    assertThat(graph.get("parquet")).doesNotContain("root", "gpu", "gpu.decode");
  }

  @Test
  void theControlPlaneKnowsNothingAboveIt() throws IOException {
    Map<String, Set<String>> graph = graph(Path.of("target", "classes", "io", "homi", "runtime"));
    assertThat(graph.get("control"))
        .doesNotContain("mediator", "io", "parquet", "gpu", "gpu.decode", "root");
  }

  /** Package to the packages its classes use (io.homi.runtime only). */
  static Map<String, Set<String>> graph(Path root) throws IOException {
    Map<String, Set<String>> g = new TreeMap<>();
    try (Stream<Path> files = Files.walk(root)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".class")).toList()) {
        String from = pkg(root.relativize(f.getParent()).toString().replace('/', '.'));
        Set<String> to = g.computeIfAbsent(from, k -> new TreeSet<>());
        for (String utf8 : utf8Constants(f)) {
          Matcher m = CLASS_NAME.matcher(utf8);
          while (m.find()) {
            String p =
                pkg(
                    m.group(1).isEmpty()
                        ? ""
                        : m.group(1).substring(0, m.group(1).length() - 1).replace('/', '.'));
            if (!p.equals(from)) to.add(p);
          }
        }
      }
    }
    return g;
  }

  private static String pkg(String relative) {
    return relative.isEmpty() ? "root" : relative;
  }

  /**
   * The UTF-8 entries of a class file's constant pool (class names and descriptors are among them).
   */
  private static List<String> utf8Constants(Path classFile) throws IOException {
    List<String> out = new ArrayList<>();
    try (DataInputStream in = new DataInputStream(Files.newInputStream(classFile))) {
      if (in.readInt() != 0xCAFEBABE) throw new IOException(classFile + " is not a class file");
      in.readUnsignedShort();
      in.readUnsignedShort();
      int count = in.readUnsignedShort();
      for (int i = 1; i < count; i++) {
        int tag = in.readUnsignedByte();
        switch (tag) {
          case 1 -> out.add(in.readUTF());
          case 3, 4, 9, 10, 11, 12, 17, 18 -> in.readInt();
          case 5, 6 -> {
            in.readLong();
            i++; // 8-byte constants take two slots
          }
          case 7, 8, 16, 19, 20 -> in.readUnsignedShort();
          case 15 -> {
            in.readUnsignedByte();
            in.readUnsignedShort();
          }
          default -> throw new IOException(classFile + ": constant pool tag " + tag);
        }
      }
    }
    return out;
  }

  /** Strongly connected components (Tarjan), each as a sorted set. */
  private static List<Set<String>> components(Map<String, Set<String>> g) {
    Map<String, Integer> index = new HashMap<>();
    Map<String, Integer> low = new HashMap<>();
    Deque<String> stack = new ArrayDeque<>();
    Set<String> onStack = new java.util.HashSet<>();
    List<Set<String>> out = new ArrayList<>();
    int[] counter = {0};
    for (String v : g.keySet())
      if (!index.containsKey(v)) connect(v, g, index, low, stack, onStack, out, counter);
    return out;
  }

  private static void connect(
      String v,
      Map<String, Set<String>> g,
      Map<String, Integer> index,
      Map<String, Integer> low,
      Deque<String> stack,
      Set<String> onStack,
      List<Set<String>> out,
      int[] counter) {
    index.put(v, counter[0]);
    low.put(v, counter[0]++);
    stack.push(v);
    onStack.add(v);
    for (String w : g.getOrDefault(v, Set.of())) {
      if (!index.containsKey(w)) {
        connect(w, g, index, low, stack, onStack, out, counter);
        low.put(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.contains(w)) {
        low.put(v, Math.min(low.get(v), index.get(w)));
      }
    }
    if (low.get(v).equals(index.get(v))) {
      Set<String> scc = new TreeSet<>();
      String w;
      do {
        w = stack.pop();
        onStack.remove(w);
        scc.add(w);
      } while (!w.equals(v));
      out.add(scc);
    }
  }
}
