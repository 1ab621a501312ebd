package io.homi.runtime.mediator;

import static org.assertj.core.api.Assertions.assertThat;

import io.homi.runtime.control.BlockDevice;
import io.homi.runtime.control.ExtentMapper;
import io.homi.runtime.control.Grant;
import io.homi.runtime.control.SriovControl;
import io.homi.runtime.nvme.VfioController;
import io.homi.runtime.os.HostBuffer;
import io.homi.runtime.os.OpenFile;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A reader that dies holding a VF (SIGKILL: no close, no shutdown hook) leaves it bound to vfio-pci
 * and online; the next reader's control plane finds it under the lock the dead one held, resets it
 * and provisions a working VF. Runs in the NVMe lab's SR-IOV guest (a second JVM is started there).
 */
class VfCrashRecoveryTest {
  /** The reader that dies: provisions a VF, brings its controller up, says so, then waits. */
  public static final class Holder {
    public static void main(String[] args) throws Exception {
      BlockDevice d = VfTests.deviceOf(Path.of(args[0]));
      SriovControl.VirtualFunction vf = SriovControl.provision(d);
      VfioController ctl = VfioController.open(vf.pci(), vf.nsid());
      System.out.println("HELD " + vf.pci() + " controller " + ctl.controllerId());
      System.out.flush();
      Thread.sleep(600_000);
    }
  }

  @Test
  void aVfLeftByAKilledReaderIsResetAndServesTheNext() throws Exception {
    Path p = VfTests.file("vf-crash.bin", 1 << 20);
    BlockDevice d = VfTests.assumeVf(p);
    String pf = SriovControl.controllerOf(d).pci();
    List<String> cmd = new ArrayList<>();
    cmd.add(ProcessHandle.current().info().command().orElse("java"));
    cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(Holder.class.getName());
    cmd.add(p.toString());
    Process holder = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String held;
    try (BufferedReader r =
        new BufferedReader(
            new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8))) {
      StringBuilder all = new StringBuilder();
      String line;
      held = null;
      while ((line = r.readLine()) != null) {
        all.append(line).append('\n');
        if (line.startsWith("HELD ")) {
          held = line;
          break;
        }
      }
      assertThat(held).as("the holder's output:\n" + all).isNotNull();
      holder.destroyForcibly(); // SIGKILL: no close runs
      assertThat(holder.waitFor(60, TimeUnit.SECONDS)).isTrue();
    }
    String stale = held.split(" ")[1];
    assertThat(VfTests.numVfs(pf)).as("the dead reader's VF is still there").isEqualTo(1);
    assertThat(VfTests.driver(stale)).isEqualTo("vfio-pci");

    long size = Files.size(p);
    try (OpenFile f = OpenFile.open(p);
        DevicePath dp = new DevicePath();
        HostBuffer buf = new HostBuffer(size)) {
      BufferRegistry reg = new BufferRegistry();
      try (VfPath vf = new VfPath(dp, reg)) {
        Namespace ns = new NamespaceTable().attach(f);
        dp.bind(ns, Grant.issue(ExtentMapper.map(f, true)));
        reg.register(buf.address(), buf.capacity());
        assertThat(vf.read(ns, 0, buf.address(), size)).isEqualTo(size);
        assertThat(TestData.firstMismatch(buf.view(0, (int) size), 0, (int) size, 0, size))
            .isEqualTo(-1);
        assertThat(VfTests.driver(vf.functionOf(d))).isEqualTo("vfio-pci");
      }
    }
    assertThat(VfTests.numVfs(pf)).as("given back on close").isZero();
    assertThat(Files.readString(Path.of("/run/homi", "sriov-" + pf + ".lock"))).isEmpty();
  }
}
