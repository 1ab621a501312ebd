package io.homi.runtime.cli;

import io.homi.runtime.control.BlockDevice;
import io.homi.runtime.control.Extent;
import io.homi.runtime.control.ExtentFlags;
import io.homi.runtime.control.ExtentMap;
import io.homi.runtime.control.ExtentMapper;
import io.homi.runtime.control.ParquetLayout;
import io.homi.runtime.mediator.PathKind;
import io.homi.runtime.os.FileIdentity;
import io.homi.runtime.os.OpenFile;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * {@code homi inspect <file> [--json]}: what the control plane knows about a file: identity,
 * device, every extent with its LBAs and eligible paths, and for Parquet files which extents
 * each column chunk falls in. Read-only: it maps without forcing writeback (a sync is retried
 * only for delayed extents, as everywhere).
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
    s.append(String.format("identity  dev %d:%d  ino %d  size %d  mtime %d  ctime %d%n", id.devMajor(), id.devMinor(),
        id.ino(), id.size(), id.mtimeNanos(), id.ctimeNanos()));
    s.append("fs        ").append(map.fsType()).append('\n');
    BlockDevice d = map.device();
    if (d == null) {
      s.append("device    none\n");
    } else {
      s.append(String.format("device    %s (%s%s), kind %s, logical block %d B, disk %d B%n", d.node(), d.name(),
          d.partition() ? ", partition starting at sector " + d.partitionStartSectors() : ", whole disk",
          d.kind(), d.logicalBlockSize(), d.diskSizeBytes()));
      s.append(String.format("          controller %s, pci %s%s%s%n", orDash(d.controller()), orDash(d.pciAddress()),
          d.nsid() >= 0 ? ", nsid " + d.nsid() : "", d.model() != null ? ", model " + d.model() : ""));
    }
    s.append("device path: ").append(map.osOnlyReason() == null ? "eligible per extent" : "no: " + map.osOnlyReason()).append('\n');
    s.append(String.format("extents   %d (device %d B, zeros %d B, os-only %d B)%n", map.extents().size(),
        map.bytes(io.homi.runtime.control.ExtentUse.DEVICE), map.bytes(io.homi.runtime.control.ExtentUse.ZEROS),
        map.bytes(io.homi.runtime.control.ExtentUse.OS_ONLY)));
    s.append(String.format("  %4s %14s %12s %14s %-22s %-8s %-25s %s%n", "#", "logical", "length", "physical", "flags", "use", "LBAs", "paths"));
    for (int i = 0; i < map.extents().size(); i++) {
      Extent e = map.extents().get(i);
      s.append(String.format("  %4d %14d %12d %14s %-22s %-8s %-25s %s%s%n", i, e.logical(), e.length(),
          e.physical() < 0 ? "-" : Long.toString(e.physical()), e.isHole() ? "hole" : flags(e.flags()),
          e.use().name().toLowerCase(), e.lba() < 0 ? "-" : "[" + e.lba() + ", " + (e.lba() + e.lbaCount()) + ")",
          paths(e), e.reason() == null ? "" : "  (" + e.reason() + ")"));
    }
    if (pqError != null) s.append("parquet   error: ").append(pqError).append('\n');
    if (pq != null) {
      s.append(String.format("parquet   %d row groups, footer [%d, %d)%n", pq.rowGroups().size(), pq.footerOffset(),
          pq.footerOffset() + pq.footerLength()));
      for (ParquetLayout.RowGroupRange rg : pq.rowGroups()) {
        s.append(String.format("  row group %d: %d rows%n", rg.index(), rg.rows()));
        for (ParquetLayout.ColumnRange c : rg.columns()) {
          s.append(String.format("    %-24s %-12s [%d, %d) %d B  extents %s%n", c.path(), c.codec(), c.offset(), c.end(),
              c.length(), extentIndexes(map, c.offset(), c.length())));
        }
      }
    }
    return s.toString();
  }

  static String flags(int flags) {
    List<String> n = ExtentFlags.names(flags);
    return n.isEmpty() ? "-" : String.join(",", n);
  }

  static String paths(Extent e) {
    return e.use().eligiblePaths().stream().map(PathKind::label).collect(Collectors.joining(","));
  }

  /** Indexes of the extents a byte range falls in. */
  static List<Integer> extentIndexes(ExtentMap map, long offset, long length) {
    List<Integer> out = new ArrayList<>();
    int i = map.indexOf(offset);
    for (; i >= 0 && i < map.extents().size() && map.extents().get(i).logical() < offset + length; i++) out.add(i);
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
      s.append(",\"identity\":{\"dev\":\"").append(id.devMajor()).append(':').append(id.devMinor())
          .append("\",\"ino\":").append(id.ino()).append(",\"size\":").append(id.size())
          .append(",\"mtimeNanos\":").append(id.mtimeNanos()).append(",\"ctimeNanos\":").append(id.ctimeNanos()).append('}');
      s.append(",\"fs\":").append(str(map.fsType()));
      s.append(",\"osOnlyReason\":").append(str(map.osOnlyReason()));
      if (d == null) {
        s.append(",\"device\":null");
      } else {
        s.append(",\"device\":{\"node\":").append(str(d.node())).append(",\"name\":").append(str(d.name()))
            .append(",\"disk\":").append(str(d.diskName())).append(",\"partition\":").append(d.partition())
            .append(",\"partitionStartSectors\":").append(d.partitionStartSectors())
            .append(",\"logicalBlockSize\":").append(d.logicalBlockSize()).append(",\"diskSizeBytes\":").append(d.diskSizeBytes())
            .append(",\"kind\":").append(str(d.kind())).append(",\"nsid\":").append(d.nsid() < 0 ? "null" : d.nsid())
            .append(",\"controller\":").append(str(d.controller())).append(",\"pciAddress\":").append(str(d.pciAddress()))
            .append(",\"model\":").append(str(d.model())).append(",\"notDirectReason\":").append(str(d.notDirectReason())).append('}');
      }
      s.append(",\"extents\":[");
      for (int i = 0; i < map.extents().size(); i++) {
        Extent e = map.extents().get(i);
        if (i > 0) s.append(',');
        s.append("{\"logical\":").append(e.logical()).append(",\"length\":").append(e.length())
            .append(",\"physical\":").append(e.physical() < 0 ? "null" : Long.toString(e.physical()))
            .append(",\"hole\":").append(e.isHole()).append(",\"flags\":[")
            .append(ExtentFlags.names(e.flags()).stream().map(Json::str).collect(Collectors.joining(",")))
            .append("],\"use\":").append(str(e.use().name().toLowerCase()))
            .append(",\"lba\":").append(e.lba() < 0 ? "null" : Long.toString(e.lba()))
            .append(",\"lbaCount\":").append(e.lbaCount())
            .append(",\"paths\":[").append(e.use().eligiblePaths().stream().map(k -> str(k.label())).collect(Collectors.joining(",")))
            .append("],\"reason\":").append(str(e.reason())).append('}');
      }
      s.append(']');
      s.append(",\"parquetError\":").append(str(pqError));
      if (pq != null) {
        s.append(",\"parquet\":{\"footerOffset\":").append(pq.footerOffset()).append(",\"footerLength\":").append(pq.footerLength())
            .append(",\"rowGroups\":[");
        for (int r = 0; r < pq.rowGroups().size(); r++) {
          ParquetLayout.RowGroupRange rg = pq.rowGroups().get(r);
          if (r > 0) s.append(',');
          s.append("{\"index\":").append(rg.index()).append(",\"rows\":").append(rg.rows()).append(",\"columns\":[");
          for (int c = 0; c < rg.columns().size(); c++) {
            ParquetLayout.ColumnRange col = rg.columns().get(c);
            if (c > 0) s.append(',');
            s.append("{\"path\":").append(str(col.path())).append(",\"codec\":").append(str(col.codec()))
                .append(",\"offset\":").append(col.offset()).append(",\"length\":").append(col.length())
                .append(",\"extents\":").append(extentIndexes(map, col.offset(), col.length()).toString().replace(" ", ""))
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
