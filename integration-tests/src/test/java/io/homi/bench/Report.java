package io.homi.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * The results of one run: a Markdown table (results.md, also printed), a CSV (results.csv) and a
 * chart (results.png, Java2D), each with the median, min and max seconds, rows per second and the
 * time ratio to each Spark baseline measured in the same run.
 */
public final class Report {
  private final BenchOptions opts;
  private final Env env;
  private final List<Bench.Table> tables;
  private final List<Bench.Cell> cells;

  Report(BenchOptions opts, Env env, List<Bench.Table> tables, List<Bench.Cell> cells) {
    this.opts = opts;
    this.env = env;
    this.tables = tables;
    this.cells = cells;
  }

  public List<Bench.Cell> cells() {
    return cells;
  }

  public long mismatches() {
    return cells.stream().filter(c -> c.status().startsWith("MISMATCH")).count();
  }

  void write(Path dir) throws IOException {
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("results.md"), markdown());
    Files.writeString(dir.resolve("results.csv"), csv());
    try {
      ImageIO.write(chart(), "png", dir.resolve("results.png").toFile());
    } catch (LinkageError e) {
      // A JRE without font libraries (the GPU machine's jlinked one lacks libharfbuzz): the tables
      // above hold every figure; only the picture is missing.
      System.err.println("[homi-bench] no chart: " + e);
    }
  }

  /** Median time of {@code reader} on the same table, query and mode, or NaN. */
  private double baseline(Bench.Cell c, Reader reader) {
    for (Bench.Cell o : cells) {
      if (o.reader() == reader
          && o.table().equals(c.table())
          && o.query().equals(c.query())
          && o.mode().equals(c.mode())
          && !o.seconds().isEmpty()) {
        return o.median();
      }
    }
    return Double.NaN;
  }

  private static String num(double d, String f) {
    return Double.isNaN(d) ? "-" : String.format(Locale.ROOT, f, d);
  }

  String table() {
    StringBuilder b = new StringBuilder();
    b.append(
        "| table | query | mode | reader | median s | min s | max s | rows/s | x spark-v1 | x spark-v2 | runs | status |\n");
    b.append("|---|---|---|---|--:|--:|--:|--:|--:|--:|--:|---|\n");
    for (Bench.Cell c : cells) {
      boolean ok = !c.seconds().isEmpty();
      double med = ok ? c.median() : Double.NaN;
      b.append("| ")
          .append(c.table())
          .append(" | ")
          .append(c.query())
          .append(" | ")
          .append(c.mode())
          .append(" | ")
          .append(c.reader() == Reader.HOMI ? "**homi**" : c.reader().label)
          .append(" | ")
          .append(num(med, "%.3f"))
          .append(" | ")
          .append(num(ok ? Stats.min(c.seconds()) : Double.NaN, "%.3f"))
          .append(" | ")
          .append(num(ok ? Stats.max(c.seconds()) : Double.NaN, "%.3f"))
          .append(" | ")
          .append(num(c.tableRows() / med, "%,.0f"))
          .append(" | ")
          .append(num(med / baseline(c, Reader.V1), "%.2f"))
          .append(" | ")
          .append(num(med / baseline(c, Reader.V2), "%.2f"))
          .append(" | ")
          .append(c.seconds().size())
          .append(" | ")
          .append(c.status().replace("|", "/"))
          .append(" |\n");
    }
    return b.toString();
  }

  /** Geometric mean of homi/V1 warm time ratios over the queries both answered. */
  double headline(String mode, Reader base) {
    double logSum = 0;
    int n = 0;
    for (Bench.Cell c : cells) {
      if (c.reader() != Reader.HOMI || !c.mode().equals(mode) || c.seconds().isEmpty()) continue;
      double r = c.median() / baseline(c, base);
      if (Double.isNaN(r)) continue;
      logSum += Math.log(r);
      n++;
    }
    return n == 0 ? Double.NaN : Math.exp(logSum / n);
  }

  String markdown() {
    StringBuilder b = new StringBuilder("# homi-bench results\n\n");
    b.append("Settings: ").append(opts.describe()).append("\n\n");
    b.append("Cold runs: ")
        .append(
            switch (opts.cold()) {
              case "fadvise" ->
                  "the table's files evicted before each cold run with fdatasync + posix_fadvise(POSIX_FADV_DONTNEED)";
              case "drop_caches" -> "sync; echo 1 > /proc/sys/vm/drop_caches before each cold run";
              default -> "none";
            })
        .append("; resident bytes after eviction (fincore) are in the CSV.\n\n");
    b.append("Machine:\n\n");
    env.facts.forEach((k, v) -> b.append("- ").append(k).append(": ").append(v).append('\n'));
    b.append(
        "\nTables:\n\n| table | rows | bytes | files | row groups | path |\n|---|--:|--:|--:|--:|---|\n");
    for (Bench.Table t : tables) {
      b.append(
          String.format(
              Locale.ROOT,
              "| %s | %,d | %,d | %d | %d | %s |%n",
              t.name(),
              t.rows(),
              t.bytes(),
              t.files().size(),
              t.rowGroups(),
              t.dir()));
    }
    b.append(
            "\nTimes are wall seconds per query (load + plan + execute + collect), median of the timed runs; ")
        .append(
            "x spark-v1 / x spark-v2 = this reader's median / that baseline's median (below 1.00: faster).\n\n");
    b.append(table());
    b.append(
        String.format(
            Locale.ROOT,
            "%nHeadline: homi / spark-v1, geometric mean over answered queries: warm %s, cold %s; "
                + "homi / spark-v2: warm %s, cold %s.%n",
            num(headline("warm", Reader.V1), "%.2f"),
            num(headline("cold", Reader.V1), "%.2f"),
            num(headline("warm", Reader.V2), "%.2f"),
            num(headline("cold", Reader.V2), "%.2f")));
    return b.toString();
  }

  String csv() {
    StringBuilder b =
        new StringBuilder(
            "table,query,mode,reader,median_s,min_s,max_s,rows,rows_per_s,ratio_v1,ratio_v2,runs,"
                + "seconds,scan,resident_after_evict_bytes,status\n");
    for (Bench.Cell c : cells) {
      boolean ok = !c.seconds().isEmpty();
      double med = ok ? c.median() : Double.NaN;
      List<String> secs = new ArrayList<>();
      c.seconds().forEach(s -> secs.add(String.format(Locale.ROOT, "%.4f", s)));
      b.append(
              String.join(
                  ",",
                  c.table(),
                  c.query(),
                  c.mode(),
                  c.reader().label,
                  ok ? String.format(Locale.ROOT, "%.4f", med) : "",
                  ok ? String.format(Locale.ROOT, "%.4f", Stats.min(c.seconds())) : "",
                  ok ? String.format(Locale.ROOT, "%.4f", Stats.max(c.seconds())) : "",
                  Long.toString(c.tableRows()),
                  ok ? String.format(Locale.ROOT, "%.0f", c.tableRows() / med) : "",
                  csvNum(med / baseline(c, Reader.V1)),
                  csvNum(med / baseline(c, Reader.V2)),
                  Integer.toString(c.seconds().size()),
                  String.join(" ", secs),
                  c.scan(),
                  c.residentAfterEvict() < 0 ? "" : Long.toString(c.residentAfterEvict()),
                  '"' + c.status().replace("\"", "'") + '"'))
          .append('\n');
    }
    return b.toString();
  }

  private static String csvNum(double d) {
    return Double.isNaN(d) ? "" : String.format(Locale.ROOT, "%.4f", d);
  }

  private static final Color[] COLORS = {
    new Color(0xE0, 0x6C, 0x00),
    new Color(0x1F, 0x77, 0xB4),
    new Color(0x2C, 0xA0, 0x2C),
    new Color(0x94, 0x67, 0xBD),
    new Color(0xD6, 0x27, 0x28),
    new Color(0x8C, 0x56, 0x4B),
    new Color(0x17, 0xBE, 0xCF),
    new Color(0x7F, 0x7F, 0x7F)
  }; // one per Reader, in declaration order (a reader without one failed the chart)

  /**
   * Horizontal bars: each reader's median time relative to spark-v1's (1.0 line), seconds written
   * at the bar's end.
   */
  BufferedImage chart() {
    Map<String, List<Bench.Cell>> groups = new LinkedHashMap<>();
    for (Bench.Cell c : cells)
      groups
          .computeIfAbsent(c.table() + "  " + c.query() + "  " + c.mode(), k -> new ArrayList<>())
          .add(c);
    int bar = 11;
    int readers = opts.readers().size();
    int groupH = readers * bar + 10;
    int left = 330;
    int plotW = 620;
    int top = 60;
    int w = left + plotW + 120;
    int h = top + groups.size() * groupH + 40;
    double maxRatio = 1.5;
    for (Bench.Cell c : cells) {
      double r = c.seconds().isEmpty() ? Double.NaN : c.median() / baseline(c, Reader.V1);
      if (!Double.isNaN(r)) maxRatio = Math.max(maxRatio, Math.min(r, 4.0));
    }
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setRenderingHint(
        RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, w, h);
    g.setColor(Color.BLACK);
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
    g.drawString(
        "homi vs Spark Parquet readers: median time relative to spark-v1 (shorter is faster)",
        10,
        20);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
    g.drawString(
        String.format(
            Locale.ROOT,
            "SF %s, %s vCPU %s, %s",
            BenchOptions.fmt(opts.sf()),
            env.facts.get("nproc"),
            env.facts.get("cpu"),
            opts.master()),
        10,
        36);
    int lx = left;
    for (int i = 0; i < readers; i++) {
      Reader r = opts.readers().get(i);
      g.setColor(COLORS[r.ordinal()]);
      g.fillRect(lx, 44, 10, 10);
      g.setColor(Color.BLACK);
      g.drawString(r.label, lx + 14, 53);
      lx += 90;
    }
    double scale = plotW / maxRatio;
    int y = top;
    for (Map.Entry<String, List<Bench.Cell>> e : groups.entrySet()) {
      g.setColor(Color.BLACK);
      g.drawString(e.getKey(), 10, y + groupH / 2 + 2);
      int by = y;
      for (Bench.Cell c : e.getValue()) {
        if (c.seconds().isEmpty()) {
          g.setColor(Color.GRAY);
          String s = c.status();
          g.drawString(
              c.reader().label + ": " + (s.length() > 90 ? s.substring(0, 90) + "..." : s),
              left + 4,
              by + bar - 2);
        } else {
          double r = c.median() / baseline(c, Reader.V1);
          if (Double.isNaN(r)) r = 1;
          int len = (int) Math.max(1, Math.min(r, maxRatio) * scale);
          g.setColor(COLORS[c.reader().ordinal()]);
          g.fillRect(left, by, len, bar - 2);
          g.setColor(Color.DARK_GRAY);
          g.drawString(
              String.format(
                  Locale.ROOT, "%.3f s (%.2fx)%s", c.median(), r, r > maxRatio ? " >" : ""),
              left + len + 4,
              by + bar - 2);
        }
        by += bar;
      }
      y += groupH;
    }
    g.setColor(Color.RED);
    g.setStroke(
        new BasicStroke(
            1f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {4f, 3f}, 0f));
    int x1 = left + (int) scale;
    g.drawLine(x1, top - 4, x1, y);
    g.drawString("1.0 = spark-v1", x1 - 30, y + 14);
    g.dispose();
    return img;
  }
}
