package io.homi.runtime.cli;

import io.homi.runtime.HomiRuntime;
import io.homi.runtime.gpu.CuFile;
import io.homi.runtime.gpu.GpuProbe;
import io.homi.runtime.gpu.Kernels;
import io.homi.runtime.os.FileIdentity;
import io.homi.runtime.os.HostBuffer;
import io.homi.runtime.os.IoUring;
import io.homi.runtime.os.Libc;
import io.homi.runtime.os.OpenFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code homi doctor [PATH] [--json]}: what this machine can do for HOMI and why not. First one
 * line naming the I/O paths HOMI can read through here and why each other one cannot, then a table
 * of (check | usable | why), unusable rows marked {@code NO} and long reasons wrapped to $COLUMNS
 * (or 100): GPU driver and device, kernels, cuFile and its mode, O_DIRECT, io_uring, FIEMAP and the
 * block device of PATH, each I/O path (OS, DIRECT, DEVICE, PASSTHROUGH, VF, GPU), and the RAPIDS
 * Accelerator (its jar, spark.plugins, hence the output a scan uses). {@code --json} gives the same
 * rows under "checks" and the line as "summary".
 */
public final class DoctorCommand {
  /** One line of the report. */
  public record Check(String name, boolean usable, String why) {}

  private static final long FS_IOC_FIEMAP = 0xC020660BL;

  private DoctorCommand() {}

  public static int run(String[] args) {
    boolean json = false;
    String path = ".";
    for (String a : args) {
      if (a.equals("--json")) json = true;
      else path = a;
    }
    List<Check> checks = checks(Path.of(path));
    int width = terminalWidth(System.getenv("COLUMNS"));
    System.out.print(
        json
            ? toJson(checks)
            : String.join("\n  ", wrap(summary(checks), width - 2))
                + "\n\n"
                + toTable(checks, width));
    return 0;
  }

  /** $COLUMNS when it is a sensible width, else 100. */
  public static int terminalWidth(String columns) {
    try {
      int w = Integer.parseInt(columns == null ? "" : columns.trim());
      return w >= 40 ? w : 100;
    } catch (NumberFormatException e) {
      return 100;
    }
  }

  /**
   * One line saying which I/O paths HOMI can read through here, then each one it cannot and why:
   * {@code HOMI can read via: os, direct (device: no - cannot open /dev/vda ...; gpu: no - ...)}.
   */
  public static String summary(List<Check> checks) {
    List<String> yes = new ArrayList<>();
    List<String> no = new ArrayList<>();
    for (Check c : checks) {
      if (!c.name().startsWith("path ")) continue;
      String p = c.name().substring(5).toLowerCase(java.util.Locale.ROOT);
      if (c.usable()) yes.add(p);
      else no.add(p + ": no - " + c.why());
    }
    return "HOMI can read via: "
        + (yes.isEmpty() ? "nothing" : String.join(", ", yes))
        + (no.isEmpty() ? "" : " (" + String.join("; ", no) + ")");
  }

  public static List<Check> checks(Path path) {
    List<Check> out = new ArrayList<>();
    GpuProbe.Result g = GpuProbe.probe();
    out.add(
        new Check(
            "libcuda / driver",
            g.driverVersion() > 0,
            g.driverVersion() > 0
                ? "driver API " + g.driverLabel() + ", " + g.deviceCount() + " device(s)"
                : g.reason()));
    out.add(
        new Check(
            "GPU device",
            g.usable(),
            g.usable()
                ? String.format(
                    "%s (%s), CC %s, %d SMs, %.1f GiB (%.1f free), maps host memory",
                    g.deviceName(),
                    g.pciAddress(),
                    g.computeCapability(),
                    g.multiprocessors(),
                    g.totalBytes() / 1073741824.0,
                    g.freeBytes() / 1073741824.0)
                : g.reason()));
    byte[] fatbin = Kernels.fatbin();
    out.add(
        new Check(
            "HOMI kernels",
            fatbin != null && fatbin.length > 0,
            fatbin == null
                ? Kernels.RESOURCE + " missing (built without nvcc)"
                : Kernels.RESOURCE + ", " + fatbin.length + " bytes"));
    OpenFile f = null;
    String openErr = null;
    try {
      f = OpenFile.open(Files.isDirectory(path) ? firstFile(path) : path);
    } catch (Exception e) {
      openErr = e.getMessage();
    }
    String cufile = cufile(g, f);
    CuFile.Mode mode = CuFile.mode();
    out.add(
        new Check(
            "libcufile",
            cufile == null,
            cufile == null
                ? "cuFileDriverOpen and cuFileHandleRegister ok, mode " + mode
                : cufile));
    try {
      boolean direct = f != null && f.directFd() >= 0;
      out.add(
          new Check(
              "O_DIRECT",
              direct,
              f == null
                  ? openErr
                  : direct
                      ? "open(O_DIRECT) ok on " + f.path()
                      : "file system refuses O_DIRECT for " + f.path()));
      String fiemap = f == null ? openErr : fiemap(f.fd());
      out.add(
          new Check("FIEMAP", fiemap == null, fiemap == null ? "ioctl FS_IOC_FIEMAP ok" : fiemap));
      String blk = f == null ? null : blockDevice(f.identity());
      out.add(
          new Check(
              "block device",
              blk != null && !blk.startsWith("!"),
              f == null ? openErr : blk.startsWith("!") ? blk.substring(1) : blk));
      out.add(
          new Check(
              "path OS", f != null, f != null ? "buffered pread: always available" : openErr));
      String uring = ioUring();
      out.add(
          new Check(
              "io_uring",
              uring == null,
              uring == null
                  ? "io_uring_setup ok: Direct reads kept in flight by one ring from the mediator thread"
                  : uring + "; Direct reads fall back to the I/O thread pool"));
      out.add(
          new Check(
              "path DIRECT",
              direct,
              !direct
                  ? "needs O_DIRECT"
                  : "O_DIRECT on the file, "
                      + (uring == null
                          ? "reads in flight through io_uring"
                          : "reads on the I/O thread pool")));
      boolean dev = fiemap == null && blk != null && !blk.startsWith("!") && direct;
      String devOpen = dev ? deviceOpen(f.identity()) : null;
      out.add(
          new Check(
              "path DEVICE",
              dev && devOpen == null,
              !dev
                  ? "needs FIEMAP, a block device and O_DIRECT"
                  : devOpen == null
                      ? "O_DIRECT reads of the block device by LBA, inside each file's grant"
                      : devOpen));
      String pt = dev ? passthrough(f.identity()) : "needs FIEMAP, a block device and O_DIRECT";
      out.add(
          new Check(
              "path PASSTHROUGH",
              pt == null,
              pt == null
                  ? "NVMe Read commands on the controller by LBA (io_uring URING_CMD on /dev/ngXnY), inside each file's grant"
                  : pt));
      String vf = dev ? sriov(f.identity()) : "needs FIEMAP, a block device and O_DIRECT";
      out.add(
          new Check(
              "path VF",
              vf == null,
              vf == null
                  ? "SR-IOV virtual function of the file's NVMe controller through VFIO (homi.path=vf;"
                      + " provisioned at the first read, given back at close), inside each file's grant"
                  : vf));
      boolean gpu = g.usable() && fatbin != null;
      out.add(
          new Check(
              "path GPU",
              gpu,
              !g.usable()
                  ? "no usable GPU: " + g.reason()
                  : fatbin == null
                      ? "no kernels in this build"
                      : cufile == null
                          ? "cuFile ("
                              + mode
                              + ") and pinned staging; GPU-initiated queues in mapped memory"
                          : "pinned staging only (cuFile: " + cufile + ")"));
    } finally {
      if (f != null) f.close();
    }
    out.add(RapidsPluginCheck.check(System.getenv()));
    return out;
  }

  /**
   * Null when an io_uring can be set up here (what the mediator's Direct reads use), else why not.
   */
  private static String ioUring() {
    try (IoUring r = IoUring.open(8)) {
      return null;
    } catch (java.io.IOException | RuntimeException | LinkageError e) {
      return e.getMessage();
    }
  }

  /**
   * Null when cuFile opens and accepts this file's descriptor (the step that fails on unsupported
   * storage).
   */
  private static String cufile(GpuProbe.Result g, OpenFile f) {
    if (!g.usable()) return "not tried: no usable GPU";
    try {
      // cuFile wants a current context: the runtime's device, bound on this thread
      HomiRuntime.get().gpuDevice(GpuProbe.defaultOrdinal()).bind();
      String err = CuFile.open();
      if (err != null || f == null) return err;
      int fd = f.directFd() >= 0 ? f.directFd() : f.fd();
      CuFile.handleDeregister(CuFile.handleRegister(fd, f.path()));
      return null;
    } catch (RuntimeException e) {
      return e.getMessage();
    }
  }

  private static Path firstFile(Path dir) throws java.io.IOException {
    try (var s = Files.walk(dir, 3)) {
      return s.filter(Files::isRegularFile)
          .findFirst()
          .orElseThrow(() -> new java.io.IOException("no file under " + dir + " to test"));
    }
  }

  /** Null when the ioctl works on this file; otherwise why not. */
  static String fiemap(int fd) {
    try (HostBuffer m = new HostBuffer(32 + 56)) { // struct fiemap header, room for one extent
      m.clear();
      m.putLong(8, Long.MAX_VALUE); // fm_length
      m.putInt(24, 1); // fm_extent_count
      Libc.ioctl(fd, FS_IOC_FIEMAP, m.address());
      return null;
    } catch (RuntimeException e) {
      return "ioctl FS_IOC_FIEMAP: " + Libc.strerror(Libc.errno(e));
    }
  }

  /**
   * Null when NVMe passthrough can serve the file's block device, else why not (not NVMe, no
   * /dev/ngXnY, ...).
   */
  private static String passthrough(FileIdentity id) {
    try (io.homi.runtime.mediator.DevicePath dp = new io.homi.runtime.mediator.DevicePath();
        io.homi.runtime.mediator.PassthroughPath pp =
            new io.homi.runtime.mediator.PassthroughPath(dp)) {
      return pp.unavailable(io.homi.runtime.control.BlockDevice.of(id.devMajor(), id.devMinor()));
    } catch (java.io.IOException | RuntimeException | LinkageError e) {
      return e.getMessage();
    }
  }

  /**
   * Null when the platform offers what an SR-IOV VF of the file's controller needs (SR-IOV, root,
   * an IOMMU, vfio-pci), else why not. Provisions nothing: a VF is created by the first read.
   */
  private static String sriov(FileIdentity id) {
    try {
      return io.homi.runtime.control.SriovControl.unavailable(
          io.homi.runtime.control.BlockDevice.of(id.devMajor(), id.devMinor()));
    } catch (java.io.IOException | RuntimeException e) {
      return e.getMessage();
    }
  }

  /** Null when the file's block device opens read-only with O_DIRECT, else why not. */
  private static String deviceOpen(FileIdentity id) {
    try {
      io.homi.runtime.control.BlockDevice d =
          io.homi.runtime.control.BlockDevice.of(id.devMajor(), id.devMinor());
      int fd;
      try {
        fd = Libc.open(d.node(), Libc.O_RDONLY | Libc.O_DIRECT | Libc.O_CLOEXEC);
      } catch (RuntimeException e) {
        return "cannot open " + d.node() + " read-only: " + Libc.strerror(Libc.errno(e));
      }
      Libc.close(fd);
      return null;
    } catch (java.io.IOException e) {
      return e.getMessage();
    }
  }

  /**
   * "name (MAJ:MIN), logical block N B" from sysfs, or "!why" when the file has no block device.
   */
  static String blockDevice(FileIdentity id) {
    String mm = id.devMajor() + ":" + id.devMinor();
    Path sys = Path.of("/sys/dev/block/" + mm);
    if (!Files.exists(sys))
      return "!" + mm + " is not a block device (tmpfs, overlay or network file system)";
    try {
      Path real = sys.toRealPath();
      String name = real.getFileName().toString();
      Path q =
          Files.exists(real.resolve("queue"))
              ? real.resolve("queue")
              : real.getParent().resolve("queue");
      String lbs =
          Files.exists(q.resolve("logical_block_size"))
              ? Files.readString(q.resolve("logical_block_size")).trim()
              : "?";
      return name + " (" + mm + "), logical block " + lbs + " B";
    } catch (Exception e) {
      return "!" + mm + ": " + e.getMessage();
    }
  }

  /** The table at 100 columns. */
  public static String toTable(List<Check> checks) {
    return toTable(checks, 100);
  }

  /**
   * check | usable | why, one row per check; an unusable row says {@code NO} so it stands out, and
   * a long why wraps at word boundaries to {@code width} columns under its own column.
   */
  public static String toTable(List<Check> checks, int width) {
    int w =
        Math.max(
            "check".length(), checks.stream().mapToInt(c -> c.name().length()).max().orElse(10));
    String head = "%-" + w + "s | %-6s | ";
    int whyWidth = Math.max(20, width - String.format(head, "", "").length());
    StringBuilder b = new StringBuilder();
    b.append(String.format(head, "check", "usable")).append("why\n");
    b.append("-".repeat(w))
        .append("-+--------+-")
        .append("-".repeat(Math.min(whyWidth, 40)))
        .append('\n');
    for (Check c : checks) {
      List<String> lines = wrap(String.valueOf(c.why()), whyWidth);
      for (int i = 0; i < lines.size(); i++) {
        b.append(
                i == 0
                    ? String.format(head, c.name(), c.usable() ? "yes" : "NO")
                    : String.format(head, "", ""))
            .append(lines.get(i))
            .append('\n');
      }
    }
    return b.toString();
  }

  /**
   * Splits text into lines of at most width characters at spaces (a longer word gets a line of its
   * own).
   */
  public static List<String> wrap(String text, int width) {
    List<String> lines = new ArrayList<>();
    StringBuilder line = new StringBuilder();
    for (String word : text.trim().split("\\s+")) {
      if (line.length() > 0 && line.length() + 1 + word.length() > width) {
        lines.add(line.toString());
        line.setLength(0);
      }
      if (line.length() > 0) line.append(' ');
      line.append(word);
    }
    lines.add(line.toString());
    return lines;
  }

  /** {"summary": the summary line, "checks": [{"check", "usable", "why"}, ...]}. */
  public static String toJson(List<Check> checks) {
    StringBuilder b =
        new StringBuilder("{\n  \"summary\": \"")
            .append(esc(summary(checks)))
            .append("\",\n  \"checks\": [\n");
    for (int i = 0; i < checks.size(); i++) {
      Check c = checks.get(i);
      b.append(
          String.format(
              "    {\"check\": \"%s\", \"usable\": %s, \"why\": \"%s\"}%s%n",
              esc(c.name()),
              c.usable(),
              esc(String.valueOf(c.why())),
              i + 1 < checks.size() ? "," : ""));
    }
    return b.append("  ]\n}\n").toString();
  }

  private static String esc(String s) {
    StringBuilder b = new StringBuilder();
    for (char ch : s.toCharArray()) {
      if (ch == '"' || ch == '\\') b.append('\\').append(ch);
      else if (ch < 0x20) b.append(String.format("\\u%04x", (int) ch));
      else b.append(ch);
    }
    return b.toString();
  }
}
