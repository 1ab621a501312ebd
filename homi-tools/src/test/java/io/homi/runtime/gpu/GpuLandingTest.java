package io.homi.runtime.gpu;

import static org.assertj.core.api.Assertions.assertThat;

import io.homi.runtime.io.QueueClient;
import io.homi.runtime.mediator.BufferRegistry;
import io.homi.runtime.mediator.Mediator;
import io.homi.runtime.mediator.Namespace;
import io.homi.runtime.mediator.NamespaceTable;
import io.homi.runtime.mediator.PathPolicy;
import io.homi.runtime.os.OpenFile;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bytes every GPU I/O path lands in device memory are the file's ({@link GpuCorrectness}, what
 * {@code homi gpucheck io} proves by hand, as a test): random unaligned ranges plus the whole file,
 * the GPU's checksum of the device bytes against the host's of a plain pread, through the staging
 * path, cuFile (where the platform accepts the file), the mediator's GPU path (host commands whose
 * destination is device memory) and GPU-initiated commands (1 MiB and 4 KiB slots).
 */
@Tag("gpu")
class GpuLandingTest {
  @TempDir Path dir;

  @Test
  void everyPathLandsTheFilesBytes() throws Exception {
    GpuTests.assumeGpu();
    Path file = dir.resolve("landing.bin");
    long size = 48L << 20;
    try (OutputStream out = Files.newOutputStream(file)) {
      SplittableRandom rnd = new SplittableRandom(7);
      byte[] b = new byte[1 << 20];
      for (long w = 0; w < size; w += b.length) {
        for (int i = 0; i < b.length; i++) b[i] = (byte) rnd.nextInt(256);
        out.write(b);
      }
      out.write(new byte[] {1, 2, 3, 4, 5}); // an unaligned tail
    }
    Map<String, GpuCorrectness.Outcome> outcomes = new LinkedHashMap<>();
    Mediator.Settings one = new Mediator.Settings(64L << 20, 8, 1, 16, 128L << 10);
    PathPolicy auto = new PathPolicy(PathPolicy.Mode.AUTO, 256L << 10);
    try (GpuDevice gpu = GpuDevice.open(GpuProbe.defaultOrdinal());
        Kernels kernels = Kernels.load();
        OpenFile f = OpenFile.open(file);
        Mediator mediator = new Mediator(new NamespaceTable(), new BufferRegistry(), one)) {
      Namespace ns = mediator.namespaces().attach(f);
      try (DeviceBuffer dst = new DeviceBuffer(f.size() + (2 << 20));
          GpuPath staging = new GpuPath(gpu, GpuPath.Engine.STAGING, 4, 4L << 20);
          GpuPath mediated = new GpuPath(gpu, GpuPath.Engine.AUTO, 8, 4L << 20);
          GpuInitiatedReader gi = new GpuInitiatedReader(kernels, mediator, 32, 8, 1L << 20, auto);
          GpuInitiatedReader gi4k = new GpuInitiatedReader(kernels, mediator, 64, 31, 4096, auto)) {
        mediator.setGpuPath(mediated);
        mediator.buffers().register(dst.address(), dst.capacity(), BufferRegistry.Kind.DEVICE);
        GpuCorrectness proof = new GpuCorrectness(kernels, ns, dst, 8L << 20);
        outcomes.put("staging", proof.check(GpuCorrectness.of(staging, ns, dst), 16, 2));
        String cufile = cufileRefusal(f);
        if (cufile == null) {
          try (GpuPath cf = new GpuPath(gpu, GpuPath.Engine.CUFILE, 4, 4L << 20)) {
            outcomes.put(
                "cufile (" + CuFile.mode() + ")",
                proof.check(GpuCorrectness.of(cf, ns, dst), 16, 1));
          }
        } else {
          System.out.println(
              "GPU landing: cuFile not usable here: "
                  + cufile); // e.g. GPUDirect Storage refused by the storage
        }
        try (QueueClient hc = new QueueClient(mediator, 64, 1L << 20, auto)) {
          outcomes.put(
              "mediator GPU path (" + mediated.describe() + ")",
              proof.check(GpuCorrectness.of(hc, ns, dst), 16, 5));
        }
        outcomes.put(
            "gpu-initiated 1 MiB slots", proof.check(GpuCorrectness.of(gi, ns, dst), 16, 3));
        outcomes.put(
            "gpu-initiated 4 KiB slots", proof.check(GpuCorrectness.of(gi4k, ns, dst), 8, 4));
      }
    }
    outcomes.forEach((k, v) -> System.out.println("GPU landing " + k + ": " + v));
    assertThat(outcomes)
        .hasSizeGreaterThanOrEqualTo(4)
        .allSatisfy((path, o) -> assertThat(o.ok()).as(path + ": " + o).isTrue());
  }

  /**
   * Why cuFile cannot serve {@code f} here (driver open, or registering its descriptors), or null.
   */
  private static String cufileRefusal(OpenFile f) {
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
    return "cuFileHandleRegister: " + why;
  }
}
