package io.homi.runtime.cli;

import io.homi.runtime.control.BlockDevice;
import io.homi.runtime.control.Extent;
import io.homi.runtime.control.ExtentFlags;
import io.homi.runtime.control.ExtentMap;
import io.homi.runtime.control.ExtentMapper;
import io.homi.runtime.mediator.PathKind;
import io.homi.runtime.os.FileIdentity;
import io.homi.runtime.os.OpenFile;
import io.homi.runtime.parquet.ParquetLayout;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * {@code homi inspect <file> [--json]}: what the control plane knows about a file: identity,
 * device, every extent with its LBAs and eligible paths, and for Parquet files which extents each
 * column chunk falls in. Read-only: it maps without forcing writeback (a sync is retried only for
 * delayed extents, as everywhere).
 */
public final class InspectCommand {
  private InspectCommand() {}

  public static int run(String[] args) {
    return run(args, System.out, System.err);
  }

  /** With the streams given, so tests can read what a user would see. */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    boolean json = false;
    String file = null;
    for (String a : args) {
      if (a.equals("--json")) json = true;
      else if (file == null && !a.startsWith("--")) file = a;
      else {
        err.println("usage: homi inspect <file> [--json]");
        return 2;
      }
    }
    if (file == null) {
      err.println("usage: homi inspect <file> [--json]");
      return 2;
    }
    Path p = Path.of(file);
    if (!Files.isRegularFile(p)) {
      err.println("homi inspect: " + p + " is not a regular file");
      return 1;
    }
    try (OpenFile f = OpenFile.open(p)) {
      ExtentMap map = ExtentMapper.map(f, false);
      ParquetLayout pq = null;
      String pqError = null;
      if (ParquetLayout.looksLikeParquet(p)) {
        try {
          pq = ParquetLayout.read(p);
        } catch (IOException e) {
          pqError = e.getMessage();
        }
      }
      out.print(json ? Json.render(map, pq, pqError) : text(map, pq, pqError));
      return pqError == null ? 0 : 1;
    } catch (IOException e) {
      err.println("homi inspect: " + e.getMessage());
      return 1;
    }
  }

  static String text(ExtentMap map, ParquetLayout pq, String pqError) {
    StringBuilder s = new StringBuilder();
    FileIdentity id = map.identity();
    s.append("file      ").append(map.path()).append('\n');
    s.append(
        String.format(
            "identity  dev %d:%d  ino %d  size %d  mtime %d  ctime %d%n",
            id.devMajor(), id.devMinor(), id.ino(), id.size(), id.mtimeNanos(), id.ctimeNanos()));
    s.append("fs        ").append(map.fsType()).append('\n');
    BlockDevice d = map.device();
    if (d == null) {
      s.append("device    none\n");
    } else {
      s.append(
          String.format(
              "device    %s (%s%s), kind %s, logical block %d B, disk %d B%n",
              d.node(),
              d.name(),
              d.partition()
                  ? ", partition starting at sector " + d.partitionStartSectors()
                  : ", whole disk",
              d.kind(),
              d.logicalBlockSize(),
              d.diskSizeBytes()));
      s.append(
          String.format(
              "          controller %s, pci %s%s%s%n",
              orDash(d.controller()),
              orDash(d.pciAddress()),
              d.nsid() >= 0 ? ", nsid " + d.nsid() : "",
              d.model() != null ? ", model " + d.model() : ""));
    }
    s.append("device path: ")
        .append(map.osOnlyReason() == null ? "eligible per extent" : "no: " + map.osOnlyReason())
        .append('\n');
    s.append(
        String.format(
            "extents   %d (device %d B, zeros %d B, os-only %d B)%n",
            map.extents().size(),
            map.bytes(io.homi.runtime.control.ExtentUse.DEVICE),
            map.bytes(io.homi.runtime.control.ExtentUse.ZEROS),
            map.bytes(io.homi.runtime.control.ExtentUse.OS_ONLY)));
    s.append(
        String.format(
            "  %4s %14s %12s %14s %-22s %-8s %-25s %s%n",
            "#", "logical", "length", "physical", "flags", "use", "LBAs", "paths"));
    for (int i = 0; i < map.extents().size(); i++) {
      Extent e = map.extents().get(i);
      s.append(
          String.format(
              "  %4d %14d %12d %14s %-22s %-8s %-25s %s%s%n",
              i,
              e.logical(),
              e.length(),
              e.physical() < 0 ? "-" : Long.toString(e.physical()),
              e.isHole() ? "hole" : flags(e.flags()),
              e.use().name().toLowerCase(),
              e.lba() < 0 ? "-" : "[" + e.lba() + ", " + (e.lba() + e.lbaCount()) + ")",
              paths(e),
              e.reason() == null ? "" : "  (" + e.reason() + ")"));
    }
    if (pqError != null) s.append("parquet   error: ").append(pqError).append('\n');
    if (pq != null) {
      s.append(
          String.format(
              "parquet   %d row groups, footer [%d, %d)%n",
              pq.rowGroups().size(), pq.footerOffset(), pq.footerOffset() + pq.footerLength()));
      for (ParquetLayout.RowGroup rg : pq.rowGroups()) {
        s.append(String.format("  row group %d: %d rows%n", rg.index(), rg.rows()));
        for (ParquetLayout.Chunk c : rg.columns()) {
          s.append(
              String.format(
                  "    %-24s %-12s [%d, %d) %d B  extents %s%n",
                  c.path(),
                  c.codec(),
                  c.offset(),
                  c.end(),
                  c.length(),
                  extentIndexes(map, c.offset(), c.length())));
        }
      }
      s.append(layoutMap(map, pq, MAP_WIDTH));
    }
    return s.toString();
  }

  static final int MAP_WIDTH = 64;

  /**
   * The file at a glance: one line per row group, the whole file drawn {@code width} cells wide so
   * every line shares one scale. A column chunk is a box of its own letter ({@code a} for the first
   * column, {@code b} for the next, ...), {@code |} marks where an extent starts, {@code .} is
   * outside the row group, and the last column names the extents the row group touches and the
   * paths that may serve them. A top line draws the extents themselves (digits cycle 0-9, {@code ~}
   * zeros, {@code !} OS-only) and the footer ({@code F}).
   */
  static String layoutMap(ExtentMap map, ParquetLayout pq, int width) {
    long size = Math.max(1, map.identity().size());
    StringBuilder s = new StringBuilder();
    s.append(
        String.format("map       %d B per cell; %s%n", (size + width - 1) / width, legend(pq)));
    char[] ext = new char[width];
    java.util.Arrays.fill(ext, ' ');
    for (int i = 0; i < map.extents().size(); i++) {
      Extent e = map.extents().get(i);
      char mark =
          switch (e.use()) {
            case DEVICE -> (char) ('0' + i % 10);
            case ZEROS -> '~';
            default -> '!';
          };
      fill(ext, e.logical(), e.logical() + e.length(), size, mark);
    }
    fill(ext, pq.footerOffset(), pq.footerOffset() + pq.footerLength() + 8, size, 'F');
    s.append(String.format("  %-9s %s%n", "extents", new String(ext)));
    for (ParquetLayout.RowGroup rg : pq.rowGroups()) {
      char[] row = new char[width];
      java.util.Arrays.fill(row, '.');
      List<Integer> touched = new ArrayList<>();
      for (int c = 0; c < rg.columns().size(); c++) {
        ParquetLayout.Chunk col = rg.columns().get(c);
        fill(row, col.offset(), col.end(), size, columnLetter(c));
        for (int i : extentIndexes(map, col.offset(), col.length()))
          if (!touched.contains(i)) touched.add(i);
      }
      for (int i = 1; i < map.extents().size(); i++) {
        int cell = cell(map.extents().get(i).logical(), size, width);
        if (cell < width && row[cell] != '.') row[cell] = '|';
      }
      java.util.Set<String> paths = new java.util.LinkedHashSet<>();
      for (int i : touched) paths.add(paths(map.extents().get(i)));
      s.append(
          String.format(
              "  rg %-6d %s  extents %s  %s%n",
              rg.index(), new String(row), compact(touched), String.join(" + ", paths)));
    }
    return s.toString();
  }

  private static String legend(ParquetLayout pq) {
    if (pq.rowGroups().isEmpty()) return "no row groups";
    List<String> parts = new ArrayList<>();
    List<ParquetLayout.Chunk> cols = pq.rowGroups().get(0).columns();
    for (int c = 0; c < cols.size(); c++) parts.add(columnLetter(c) + "=" + cols.get(c).path());
    return String.join(" ", parts) + "; | extent boundary";
  }

  static char columnLetter(int c) {
    String letters = "abcdefghijklmnopqrstuvwxyzABCDEGHIJKLMNOPQRSTUVWXYZ"; // no F: the footer's
    return c < letters.length() ? letters.charAt(c) : '*';
  }

  private static int cell(long offset, long size, int width) {
    return (int) Math.min(width - 1, offset * width / size);
  }

  /** Marks the cells of [from, to); a range smaller than a cell still gets one. */
  private static void fill(char[] row, long from, long to, long size, char mark) {
    if (to <= from) return;
    int a = cell(from, size, row.length);
    int b = Math.max(a, cell(to - 1, size, row.length));
    for (int i = a; i <= b; i++) row[i] = mark;
  }

  /** [0, 1, 2, 5] as "0-2,5". */
  public static String compact(List<Integer> xs) {
    if (xs.isEmpty()) return "-";
    List<Integer> v = new ArrayList<>(xs);
    java.util.Collections.sort(v);
    StringBuilder b = new StringBuilder();
    int start = v.get(0);
    int prev = start;
    for (int i = 1; i <= v.size(); i++) {
      if (i < v.size() && v.get(i) == prev + 1) {
        prev = v.get(i);
        continue;
      }
      if (b.length() > 0) b.append(',');
      b.append(start == prev ? String.valueOf(start) : start + "-" + prev);
      if (i < v.size()) start = prev = v.get(i);
    }
    return b.toString();
  }

  static String flags(int flags) {
    List<String> n = ExtentFlags.names(flags);
    return n.isEmpty() ? "-" : String.join(",", n);
  }

  static String paths(Extent e) {
    return PathKind.eligibleFor(e.use()).stream()
        .map(PathKind::label)
        .collect(Collectors.joining(","));
  }

  /** Indexes of the extents a byte range falls in. */
  static List<Integer> extentIndexes(ExtentMap map, long offset, long length) {
    List<Integer> out = new ArrayList<>();
    int i = map.indexOf(offset);
    for (;
        i >= 0 && i < map.extents().size() && map.extents().get(i).logical() < offset + length;
        i++) out.add(i);
    return out;
  }

  private static String orDash(String s) {
    return s == null ? "-" : s;
  }

  /** The same facts as JSON, written by hand: one small escaper, no dependency. */
  public static final class Json {
    private Json() {}

    static String render(ExtentMap map, ParquetLayout pq, String pqError) {
      FileIdentity id = map.identity();
      BlockDevice d = map.device();
      StringBuilder s = new StringBuilder("{");
      s.append("\"file\":").append(str(map.path()));
      s.append(",\"identity\":{\"dev\":\"")
          .append(id.devMajor())
          .append(':')
          .append(id.devMinor())
          .append("\",\"ino\":")
          .append(id.ino())
          .append(",\"size\":")
          .append(id.size())
          .append(",\"mtimeNanos\":")
          .append(id.mtimeNanos())
          .append(",\"ctimeNanos\":")
          .append(id.ctimeNanos())
          .append('}');
      s.append(",\"fs\":").append(str(map.fsType()));
      s.append(",\"osOnlyReason\":").append(str(map.osOnlyReason()));
      if (d == null) {
        s.append(",\"device\":null");
      } else {
        s.append(",\"device\":{\"node\":")
            .append(str(d.node()))
            .append(",\"name\":")
            .append(str(d.name()))
            .append(",\"disk\":")
            .append(str(d.diskName()))
            .append(",\"partition\":")
            .append(d.partition())
            .append(",\"partitionStartSectors\":")
            .append(d.partitionStartSectors())
            .append(",\"logicalBlockSize\":")
            .append(d.logicalBlockSize())
            .append(",\"diskSizeBytes\":")
            .append(d.diskSizeBytes())
            .append(",\"kind\":")
            .append(str(d.kind()))
            .append(",\"nsid\":")
            .append(d.nsid() < 0 ? "null" : d.nsid())
            .append(",\"controller\":")
            .append(str(d.controller()))
            .append(",\"pciAddress\":")
            .append(str(d.pciAddress()))
            .append(",\"model\":")
            .append(str(d.model()))
            .append(",\"notDirectReason\":")
            .append(str(d.notDirectReason()))
            .append('}');
      }
      s.append(",\"extents\":[");
      for (int i = 0; i < map.extents().size(); i++) {
        Extent e = map.extents().get(i);
        if (i > 0) s.append(',');
        s.append("{\"logical\":")
            .append(e.logical())
            .append(",\"length\":")
            .append(e.length())
            .append(",\"physical\":")
            .append(e.physical() < 0 ? "null" : Long.toString(e.physical()))
            .append(",\"hole\":")
            .append(e.isHole())
            .append(",\"flags\":[")
            .append(
                ExtentFlags.names(e.flags()).stream()
                    .map(Json::str)
                    .collect(Collectors.joining(",")))
            .append("],\"use\":")
            .append(str(e.use().name().toLowerCase()))
            .append(",\"lba\":")
            .append(e.lba() < 0 ? "null" : Long.toString(e.lba()))
            .append(",\"lbaCount\":")
            .append(e.lbaCount())
            .append(",\"paths\":[")
            .append(
                PathKind.eligibleFor(e.use()).stream()
                    .map(k -> str(k.label()))
                    .collect(Collectors.joining(",")))
            .append("],\"reason\":")
            .append(str(e.reason()))
            .append('}');
      }
      s.append(']');
      s.append(",\"parquetError\":").append(str(pqError));
      if (pq != null) {
        s.append(",\"parquet\":{\"footerOffset\":")
            .append(pq.footerOffset())
            .append(",\"footerLength\":")
            .append(pq.footerLength())
            .append(",\"rowGroups\":[");
        for (int r = 0; r < pq.rowGroups().size(); r++) {
          ParquetLayout.RowGroup rg = pq.rowGroups().get(r);
          if (r > 0) s.append(',');
          s.append("{\"index\":")
              .append(rg.index())
              .append(",\"rows\":")
              .append(rg.rows())
              .append(",\"columns\":[");
          for (int c = 0; c < rg.columns().size(); c++) {
            ParquetLayout.Chunk col = rg.columns().get(c);
            if (c > 0) s.append(',');
            s.append("{\"path\":")
                .append(str(col.path()))
                .append(",\"codec\":")
                .append(str(col.codec()))
                .append(",\"offset\":")
                .append(col.offset())
                .append(",\"length\":")
                .append(col.length())
                .append(",\"extents\":")
                .append(extentIndexes(map, col.offset(), col.length()).toString().replace(" ", ""))
                .append('}');
          }
          s.append("]}");
        }
        s.append("]}");
      }
      return s.append("}\n").toString();
    }

    public static String str(String v) {
      if (v == null) return "null";
      StringBuilder s = new StringBuilder("\"");
      for (int i = 0; i < v.length(); i++) {
        char c = v.charAt(i);
        switch (c) {
          case '"' -> s.append("\\\"");
          case '\\' -> s.append("\\\\");
          case '\n' -> s.append("\\n");
          case '\r' -> s.append("\\r");
          case '\t' -> s.append("\\t");
          default -> {
            if (c < 0x20) s.append(String.format("\\u%04x", (int) c));
            else s.append(c);
          }
        }
      }
      return s.append('"').toString();
    }
  }
}
