package io.homi.runtime.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.homi.runtime.HomiConfig;
import io.homi.runtime.HomiRuntime;
import io.homi.runtime.control.DeviceTestDir;
import io.homi.runtime.mediator.Namespace;
import io.homi.runtime.mediator.PathKind;
import io.homi.runtime.mediator.PathPolicy;
import io.homi.runtime.mediator.TestData;
import io.homi.runtime.os.HostBuffer;
import io.homi.runtime.os.Libc;
import io.homi.runtime.os.OpenFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * homi.path=device through the runtime: where the block device opens, the file's bytes come by LBA
 * through its grant and are counted on the DEVICE path; where it does not, attaching fails with the
 * file and the reason instead of silently taking another path.
 */
class DevicePolicyTest {
  @Test
  void deviceModeReadsByLbaOrFailsClearly() throws Exception {
    HomiRuntime rt = HomiRuntime.get();
    Path p =
        TestData.file(
            DeviceTestDir.root().resolve("homi-test-data"), "device-policy.bin", (3 << 20) + 777);
    try (OpenFile f = OpenFile.open(p)) {
      Libc.fdatasync(f.fd()); // the extents must be allocated on the device, not delayed
      Namespace ns;
      try {
        ns = rt.attach(f, PathPolicy.Mode.DEVICE);
      } catch (IOException e) {
        assertThat(e).hasMessageContaining("homi.path=device").hasMessageContaining(p.toString());
        if (DeviceTestDir.required())
          throw new AssertionError("a device was set up for this test" + DeviceTestDir.hint(), e);
        assumeThat(false).as("block device not readable here: " + e.getMessage()).isTrue();
        return;
      }
      HomiConfig cfg = HomiConfig.from(Map.of(HomiConfig.PATH, "device"));
      long len = ns.capacityLbas() * Namespace.LBA_SIZE;
      try (QueueClient c = rt.newClient(cfg);
          HostBuffer buf = new HostBuffer(len)) {
        rt.buffers().register(buf.address(), buf.capacity());
        c.read(ns, 0, len, buf.address());
        byte[] expected = Files.readAllBytes(p);
        ByteBuffer got = buf.view(0, expected.length);
        byte[] actual = new byte[expected.length];
        got.get(actual);
        assertThat(actual).isEqualTo(expected);
        assertThat(c.stats().bytes(PathKind.DEVICE)).isEqualTo(expected.length);
        rt.buffers().unregister(buf.address());
      } finally {
        rt.detach(ns);
      }
    }
  }
}
