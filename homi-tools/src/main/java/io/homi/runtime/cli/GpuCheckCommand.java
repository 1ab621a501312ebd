package io.homi.runtime.cli;

import io.homi.runtime.gpu.CuFile;
import io.homi.runtime.gpu.DeviceBuffer;
import io.homi.runtime.gpu.GpuCorrectness;
import io.homi.runtime.gpu.GpuDevice;
import io.homi.runtime.gpu.GpuInitiatedReader;
import io.homi.runtime.gpu.GpuPath;
import io.homi.runtime.gpu.GpuProbe;
import io.homi.runtime.gpu.IoBaselines;
import io.homi.runtime.gpu.Kernels;
import io.homi.runtime.gpu.Measure;
import io.homi.runtime.gpu.PinnedBuffer;
import io.homi.runtime.io.HomiIoException;
import io.homi.runtime.io.QueueClient;
import io.homi.runtime.mediator.BufferRegistry;
import io.homi.runtime.mediator.Mediator;
import io.homi.runtime.mediator.Namespace;
import io.homi.runtime.mediator.NamespaceTable;
import io.homi.runtime.mediator.PathPolicy;
import io.homi.runtime.nvme.NvmeStatus;
import io.homi.runtime.os.OpenFile;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code homi gpucheck io [--file F] [--size 2g] [--reps 3] [--workers 8] [--service-threads 4]}:
 * the device check of the GPU data path. Proves bytes land in GPU memory intact on every GPU path
 * (direct GpuPath calls, host commands through the mediator's GPU path, GPU-initiated commands) and
 * that commands outside the grant are refused, then times each path cold and warm next to the
 * anchors (raw O_DIRECT, pread + cuMemcpy, page cache, pinned H2D) in the same run, and prints a
 * table. A path the platform does not offer (cuFile where handle registration fails) is reported
 * "unavailable: why" and does not decide {@code overall}; a wrong byte or a command that should
 * have been refused and was not always fails it.
 */
public final class GpuCheckCommand {
  private GpuCheckCommand() {}

  public static int run(String[] args) throws Exception {
    if (args.length == 0 || !args[0].equals("io")) {
      System.err.println(
          "usage: homi gpucheck io [--file PATH] [--size 2g] [--reps 3] [--workers 8] [--service-threads 4]");
      return 2;
    }
    Path file = Path.of(System.getProperty("java.io.tmpdir"), "homi-gpucheck.bin");
    long size = 2L << 30;
    int reps = 3;
    int workers = 8;
    int serviceThreads = 4;
    for (int i = 1; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--file" -> file = Path.of(args[i + 1]);
        case "--size" -> size = parseBytes(args[i + 1]);
        case "--reps" -> reps = Integer.parseInt(args[i + 1]);
        case "--workers" -> workers = Integer.parseInt(args[i + 1]);
        case "--service-threads" -> serviceThreads = Integer.parseInt(args[i + 1]);
        default -> {
          System.err.println("unknown option " + args[i]);
          return 2;
        }
      }
    }
    GpuProbe.Result probe = GpuProbe.probe();
    if (!probe.usable()) {
      System.out.println("gpucheck io: GPU unusable: " + probe.reason());
      return 3;
    }
    ensureFile(file, size);
    return new GpuCheckCommand.Check(file, reps, workers, serviceThreads, probe).run();
  }

  /** One run of the check: owns the GPU, the mediator and every buffer until it closes. */
  private static final class Check {
    private final Path file;
    private final int reps;
    private final int workers;
    private final int serviceThreads;
    private final GpuProbe.Result probe;
    private final Map<String, String> correctness = new LinkedHashMap<>();
    private final List<String[]> rows = new ArrayList<>();
    private boolean allOk = true;

    /**
     * Brings the whole file into the page cache (buffered reads): what "warm" means for every row.
     */
    private Measure.Run makeWarm;

    Check(Path file, int reps, int workers, int serviceThreads, GpuProbe.Result probe) {
      this.file = file;
      this.reps = reps;
      this.workers = workers;
      this.serviceThreads = serviceThreads;
      this.probe = probe;
    }

    int run() throws Exception {
      Mediator.Settings one = new Mediator.Settings(64L << 20, 2 * workers, 1, 16, 128L << 10);
      try (GpuDevice gpu = GpuDevice.open(0);
          Kernels kernels = Kernels.load();
          OpenFile f = OpenFile.open(file);
          Mediator mediator = new Mediator(new NamespaceTable(), new BufferRegistry(), one);
          Mediator wide =
              new Mediator(
                  new NamespaceTable(),
                  new BufferRegistry(),
                  one.withServiceThreads(serviceThreads))) {
        Namespace ns = mediator.namespaces().attach(f);
        Namespace nsWide = wide.namespaces().attach(f);
        long size = f.size();
        String cufileErr = cufileUnavailable(f);
        PathPolicy auto = new PathPolicy(PathPolicy.Mode.AUTO, 256L << 10);
        try (DeviceBuffer dst = new DeviceBuffer(size + (2 << 20));
            DeviceBuffer unregistered = new DeviceBuffer(1 << 20);
            GpuPath staging = new GpuPath(gpu, GpuPath.Engine.STAGING, workers, 4L << 20);
            GpuPath cufile =
                cufileErr == null
                    ? new GpuPath(gpu, GpuPath.Engine.CUFILE, workers, 4L << 20)
                    : null;
            GpuPath mediated = new GpuPath(gpu, GpuPath.Engine.AUTO, 2 * workers, 4L << 20);
            GpuInitiatedReader gi =
                new GpuInitiatedReader(kernels, mediator, 32, 8, 1L << 20, auto);
            GpuInitiatedReader gi4k =
                new GpuInitiatedReader(kernels, mediator, 64, 31, 4096, auto);
            GpuInitiatedReader giWide =
                new GpuInitiatedReader(kernels, wide, 32, 8, 1L << 20, auto);
            GpuInitiatedReader gi4kWide =
                new GpuInitiatedReader(kernels, wide, 64, 31, 4096, auto);
            IoBaselines base = new IoBaselines(gpu, workers);
            PinnedBuffer pinned = new PinnedBuffer(256L << 20)) {
          // The mediator's GPU path: host commands whose SGL points into device memory.
          mediator.setGpuPath(mediated);
          mediator.buffers().register(dst.address(), dst.capacity(), BufferRegistry.Kind.DEVICE);
          GpuCorrectness proof = new GpuCorrectness(kernels, ns, dst, 8L << 20);
          if (cufile != null)
            record(
                "gpu cufile (" + CuFile.mode() + ")",
                proof.check(GpuCorrectness.of(cufile, ns, dst), 16, 1));
          else correctness.put("gpu cufile", "unavailable: " + cufileErr);
          record("gpu staging", proof.check(GpuCorrectness.of(staging, ns, dst), 16, 2));
          try (QueueClient hc = new QueueClient(mediator, 64, 1L << 20, auto)) {
            record(
                "mediator GPU path (host cmds -> device memory, " + mediated.describe() + ")",
                proof.check(GpuCorrectness.of(hc, ns, dst), 16, 5));
            eofTail(mediator, kernels, dst, hc);
          }
          record("gpu-initiated 1 MiB slots", proof.check(GpuCorrectness.of(gi, ns, dst), 16, 3));
          record("gpu-initiated 4 KiB slots", proof.check(GpuCorrectness.of(gi4k, ns, dst), 8, 4));
          GpuCorrectness proofWide = new GpuCorrectness(kernels, nsWide, dst, 8L << 20);
          record(
              "gpu-initiated 1 MiB slots, " + serviceThreads + " service threads",
              proofWide.check(GpuCorrectness.of(giWide, nsWide, dst), 16, 6));
          refusals(gi, mediator, ns, dst, unregistered);

          makeWarm = () -> base.parallelRead(f, false);
          String cold = Measure.makeCold(f.fd());
          Runnable mkCold = () -> Measure.makeCold(f.fd());
          Runnable warm = () -> {};
          row(
              "raw O_DIRECT -> host",
              mkCold,
              warm,
              () -> base.parallelRead(f, true),
              "anchor: " + workers + " threads x 4 MiB");
          row(
              "page cache pread -> pinned",
              mkCold,
              warm,
              () -> base.parallelRead(f, false),
              "anchor (warm = page-cache rate)");
          row(
              "pread + cuMemcpy (1 thread)",
              mkCold,
              warm,
              () -> base.preadMemcpy(f, dst),
              "anchor: the plain loop");
          Measure.Result h2d =
              Measure.median(
                  reps, warm, () -> IoBaselines.pinnedHtoD(pinned, dst, Math.min(size, 4L << 30)));
          rows.add(
              new String[] {
                "pinned H2D (cuMemcpyHtoD 256 MiB)",
                "-",
                fmt(h2d.gbPerS()),
                "-",
                fmt(h2d.cpuSecPerGb()),
                "anchor"
              });
          if (cufile != null)
            row(
                "GPU cufile",
                mkCold,
                warm,
                () -> cufile.read(ns, 0, dst.address(), size),
                "mode " + CuFile.mode());
          else
            rows.add(new String[] {"GPU cufile", "-", "-", "-", "-", "unavailable: " + cufileErr});
          row(
              "GPU staging (O_DIRECT->pinned->H2D)",
              mkCold,
              warm,
              () -> staging.read(ns, 0, dst.address(), size),
              workers + " workers, 2x4 MiB pinned each");
          try (GpuPath wider = new GpuPath(gpu, GpuPath.Engine.STAGING, 2 * workers, 4L << 20)) {
            row(
                "GPU staging, " + 2 * workers + " workers",
                mkCold,
                warm,
                () -> wider.read(ns, 0, dst.address(), size),
                "same, twice the workers");
          }
          for (long cmd : new long[] {1L << 20, 4L << 20}) {
            try (QueueClient hc = new QueueClient(mediator, 64, cmd, auto)) {
              row(
                  "mediator GPU path, host cmds " + (cmd >> 20) + " MiB",
                  mkCold,
                  warm,
                  () -> {
                    hc.read(ns, 0, size, dst.address());
                    return size;
                  },
                  "QD 63 -> mediator -> GpuPath " + 2 * workers + " workers");
            }
          }
          gpuInitiated("1 service thread", gi, gi4k, ns, dst, size, mkCold, warm);
          gpuInitiated(
              serviceThreads + " service threads",
              giWide,
              gi4kWide,
              nsWide,
              dst,
              size,
              mkCold,
              warm);
          print(size, cold);
        }
      }
      return allOk ? 0 : 1;
    }

    private void gpuInitiated(
        String how,
        GpuInitiatedReader r1m,
        GpuInitiatedReader r4k,
        Namespace ns,
        DeviceBuffer dst,
        long size,
        Runnable mkCold,
        Runnable warm)
        throws Exception {
      row(
          "GPU-initiated 1 MiB cmds, " + how,
          mkCold,
          warm,
          () -> giRead(r1m, ns, dst, size, 1L << 20),
          "32 warps x 8 deep, mediator AUTO");
      long small = Math.min(size, 256L << 20);
      giRead(r4k, ns, dst, small, 4096); // warm
      long t0 = System.nanoTime();
      giRead(r4k, ns, dst, small, 4096);
      double kcmds = (small / 4096.0) / ((System.nanoTime() - t0) / 1e9) / 1e3;
      row(
          "GPU-initiated 4 KiB cmds (256 MiB), " + how,
          mkCold,
          warm,
          () -> giRead(r4k, ns, dst, small, 4096),
          String.format("64 warps x 31 deep; warm %.0fk cmds/s", kcmds));
    }

    /**
     * Why cuFile cannot serve this file here (driver open, or handle registration of its
     * descriptors: the step that fails on storage GPUDirect does not support), or null.
     */
    private String cufileUnavailable(OpenFile f) {
      String err = CuFile.open();
      if (err != null) return "cuFileDriverOpen: " + err;
      String why = null;
      for (int fd : new int[] {f.directFd(), f.fd()}) {
        if (fd < 0) continue;
        try {
          CuFile.handleDeregister(CuFile.handleRegister(fd, f.path()));
          return null;
        } catch (RuntimeException e) {
          if (why == null) why = e.getMessage();
        }
      }
      return why == null ? "no descriptor to register" : why;
    }

    /** A file ending mid-block: the mediator's GPU path zero-fills the tail with cuMemsetD8. */
    private void eofTail(Mediator mediator, Kernels kernels, DeviceBuffer dst, QueueClient hc) {
      String what = "mediator GPU path: past-EOF tail zeroed in device memory";
      Path tail = file.resolveSibling(file.getFileName() + ".tail");
      try {
        ensureFile(tail, (1L << 20) + 1808);
        try (OpenFile t = OpenFile.open(tail);
            io.homi.runtime.os.HostBuffer ref = new io.homi.runtime.os.HostBuffer(8192)) {
          Namespace tns = mediator.namespaces().attach(t);
          dst.fill((byte) 0x5A);
          hc.read(
              tns,
              1L << 20,
              4096,
              dst.address() + 4096); // the last block: 1808 file bytes, then zeros
          io.homi.runtime.os.Libc.setMemory(ref.address(), 8192, (byte) 0);
          io.homi.runtime.os.Libc.preadFully(t.fd(), ref.address(), 1808, 1L << 20);
          io.homi.runtime.os.Libc.setMemory(
              ref.address() + 4096, 4096, (byte) 0x5A); // untouched beyond
          long g = kernels.checksum(dst.address() + 4096, 8192);
          long h = Kernels.hostChecksum(ref.address(), 8192);
          correctness.put(what, g == h ? "PASS" : "FAIL gpu " + g + " != host " + h);
          allOk &= g == h;
          mediator.namespaces().detach(tns);
        }
      } catch (Exception e) {
        correctness.put(what, "FAIL " + e.getMessage());
        allOk = false;
      }
    }

    private long giRead(GpuInitiatedReader r, Namespace ns, DeviceBuffer dst, long bytes, long cmd)
        throws IOException {
      List<GpuInitiatedReader.GpuRead> reads = new ArrayList<>();
      for (long at = 0; at < bytes; at += cmd) {
        long n = Math.min(cmd, bytes - at);
        reads.add(
            new GpuInitiatedReader.GpuRead(
                at >>> 12, (int) ((n + 4095) / 4096) - 1, 0, at, (int) n));
      }
      int[] st = r.run(ns, reads, dst, 0);
      for (int s : st)
        if (s != 0) throw new IOException("GPU-initiated command failed with status " + s);
      return bytes;
    }

    private void refusals(
        GpuInitiatedReader gi,
        Mediator mediator,
        Namespace ns,
        DeviceBuffer dst,
        DeviceBuffer unregistered) {
      // 1. GPU thread asks for LBAs past the grant.
      int[] st =
          gi.run(
              ns,
              List.of(
                  new GpuInitiatedReader.GpuRead(ns.capacityLbas(), 0, 0, 0, 4096),
                  new GpuInitiatedReader.GpuRead(ns.capacityLbas() - 1, 1, 0, 0, 8192)),
              dst,
              0);
      boolean lba =
          st[0] == NvmeStatus.LBA_OUT_OF_RANGE.field()
              && st[1] == NvmeStatus.LBA_OUT_OF_RANGE.field();
      expect("refuse GPU cmd past grant (LBA out of range)", lba, st);
      // 2. GPU thread points the data at pinned memory nobody registered: refused, memory
      // untouched.
      try (PinnedBuffer rogue = new PinnedBuffer(1 << 20)) {
        rogue.view(0, 4096).put(0, (byte) 0x77);
        st =
            gi.run(
                ns,
                List.of(new GpuInitiatedReader.GpuRead(0, 0, 0, 0, 4096)),
                dst,
                rogue.address());
        boolean ok =
            st[0] == NvmeStatus.DATA_TRANSFER_ERROR.field() && rogue.view(0, 4096).get(0) == 0x77;
        expect("refuse GPU cmd into unregistered memory", ok, st);
      }
      // 3. Host command whose destination is device memory not registered with the mediator.
      try (QueueClient c =
          new QueueClient(mediator, 8, 1L << 20, new PathPolicy(PathPolicy.Mode.AUTO, 1L << 20))) {
        c.read(ns, 0, 4096, unregistered.address());
        expect("refuse host cmd into unregistered device memory", false, new int[0]);
      } catch (HomiIoException e) {
        expect(
            "refuse host cmd into unregistered device memory",
            e.status() == NvmeStatus.DATA_TRANSFER_ERROR,
            new int[0]);
      }
      // 4. A forced host path (homi.path=os) cannot write registered device memory.
      try (QueueClient c =
          new QueueClient(mediator, 8, 1L << 20, new PathPolicy(PathPolicy.Mode.OS, 0))) {
        c.read(ns, 0, 4096, dst.address());
        expect("refuse homi.path=os cmd into device memory", false, new int[0]);
      } catch (HomiIoException e) {
        expect(
            "refuse homi.path=os cmd into device memory",
            e.status() == NvmeStatus.DATA_TRANSFER_ERROR,
            new int[0]);
      }
    }

    private void record(String path, GpuCorrectness.Outcome o) {
      correctness.put(path, (o.ok() ? "PASS " : "FAIL ") + o);
      allOk &= o.ok();
    }

    private void expect(String what, boolean ok, int[] statuses) {
      correctness.put(what, ok ? "PASS" : "FAIL statuses " + java.util.Arrays.toString(statuses));
      allOk &= ok;
    }

    private void row(String name, Runnable mkCold, Runnable warm, Measure.Run r, String note)
        throws Exception {
      try {
        Measure.Result c = Measure.median(reps, mkCold, r);
        // Warm = the file is in the page cache. A path's own cold run need not leave it there
        // (O_DIRECT bypasses the cache), so the cache is filled by buffered reads first.
        makeWarm.run();
        Measure.Result w = Measure.median(reps, warm, r);
        rows.add(
            new String[] {
              name,
              fmt(c.gbPerS()),
              fmt(w.gbPerS()),
              fmt(c.cpuSecPerGb()),
              fmt(w.cpuSecPerGb()),
              note
            });
      } catch (Exception e) {
        rows.add(new String[] {name, "-", "-", "-", "-", "FAILED: " + e.getMessage()});
        allOk = false;
      }
    }

    private void print(long size, String coldHow) {
      System.out.println();
      System.out.printf(
          "homi gpucheck io: %s, %s, CC %s, %.0f GiB, driver %s | file %s (%.2f GiB) | cold = %s | medians of %d%n",
          probe.deviceName(),
          probe.pciAddress(),
          probe.computeCapability(),
          probe.totalBytes() / (double) (1L << 30),
          probe.driverLabel(),
          file,
          size / (double) (1L << 30),
          coldHow,
          reps);
      System.out.println();
      System.out.println("| correctness | result |");
      System.out.println("|---|---|");
      correctness.forEach((k, v) -> System.out.println("| " + k + " | " + v + " |"));
      System.out.println();
      System.out.println("| path | cold GB/s | warm GB/s | CPU s/GB cold | CPU s/GB warm | note |");
      System.out.println("|---|---:|---:|---:|---:|---|");
      for (String[] r : rows) System.out.println("| " + String.join(" | ", r) + " |");
      System.out.println();
      System.out.println("overall: " + (allOk ? "PASS" : "FAIL"));
    }
  }

  private static String fmt(double v) {
    return Double.isNaN(v) ? "-" : String.format("%.2f", v);
  }

  /**
   * Writes {@code size} pseudo-random bytes (xorshift; every 4 KiB block distinct) unless present.
   */
  static void ensureFile(Path file, long size) throws IOException {
    if (Files.exists(file) && Files.size(file) == size) return;
    ByteBuffer chunk = ByteBuffer.allocate(8 << 20).order(ByteOrder.LITTLE_ENDIAN);
    long x = 0x9E3779B97F4A7C15L;
    try (OutputStream out = Files.newOutputStream(file)) {
      for (long done = 0; done < size; ) {
        chunk.clear();
        while (chunk.remaining() >= 8) {
          x ^= x << 13;
          x ^= x >>> 7;
          x ^= x << 17;
          chunk.putLong(x);
        }
        int n = (int) Math.min(chunk.capacity(), size - done);
        out.write(chunk.array(), 0, n);
        done += n;
      }
    }
  }

  static long parseBytes(String v) {
    String s = v.toLowerCase();
    long mult =
        s.endsWith("g") ? 1L << 30 : s.endsWith("m") ? 1L << 20 : s.endsWith("k") ? 1L << 10 : 1;
    return Long.parseLong(mult == 1 ? s : s.substring(0, s.length() - 1)) * mult;
  }
}
