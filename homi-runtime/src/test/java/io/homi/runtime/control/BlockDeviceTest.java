package io.homi.runtime.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.homi.runtime.os.OpenFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BlockDeviceTest {
  @Test
  void theDeviceUnderThisCheckoutAgreesWithSysfs() throws Exception {
    Path dir = TestFiles.deviceDir("dev");
    try (OpenFile f = OpenFile.open(Files.write(dir.resolve("f"), new byte[1]))) {
      BlockDevice d = BlockDevice.of(f.identity().devMajor(), f.identity().devMinor());
      Path disk = Path.of("/sys/block", d.diskName());
      assertThat(d.logicalBlockSize())
          .isEqualTo(
              Integer.parseInt(Files.readString(disk.resolve("queue/logical_block_size")).trim()));
      assertThat(d.logicalBlockSize()).isIn(512, 1024, 2048, 4096);
      assertThat(d.node()).isEqualTo("/dev/" + d.diskName());
      assertThat(d.diskSizeBytes())
          .isEqualTo(Long.parseLong(Files.readString(disk.resolve("size")).trim()) * 512);
      if (d.partition()) {
        assertThat(d.partitionStartSectors())
            .isEqualTo(
                Long.parseLong(Files.readString(disk.resolve(d.name()).resolve("start")).trim()));
      } else {
        assertThat(d.partitionStartSectors()).isZero();
      }
      if (d.kind().equals("virtio")) {
        assertThat(d.controller()).startsWith("virtio");
        assertThat(d.pciAddress()).matches("[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\\.[0-7]");
      }
    }
  }

  @Test
  void anonymousDevicesHaveNoBlockDevice() {
    assertThatThrownBy(() -> BlockDevice.of(0, 42))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("anonymous");
  }

  /**
   * No NVMe drive here: a copy of the sysfs layout a kernel gives an NVMe partition, to test the
   * parsing.
   */
  @Test
  void nvmePartitionFromASysfsLayout(@TempDir Path sys) throws Exception {
    Path ctrl =
        Files.createDirectories(
            sys.resolve("devices/pci0000:00/0000:00:01.2/0000:03:00.0/nvme/nvme0"));
    Files.writeString(ctrl.resolve("model"), "Example NVMe SSD 1TB     \n");
    Path ns = Files.createDirectories(ctrl.resolve("nvme0n1"));
    Files.writeString(ns.resolve("nsid"), "1\n");
    Files.writeString(ns.resolve("size"), "2000409264\n");
    Files.createDirectories(ns.resolve("queue"));
    Files.writeString(ns.resolve("queue/logical_block_size"), "4096\n");
    Files.createSymbolicLink(ns.resolve("device"), Path.of("../../nvme0"));
    Path part = Files.createDirectories(ns.resolve("nvme0n1p2"));
    Files.writeString(part.resolve("partition"), "2\n");
    Files.writeString(part.resolve("start"), "2048\n");
    Files.createDirectories(sys.resolve("dev/block"));
    Files.createSymbolicLink(
        sys.resolve("dev/block/259:2"), Path.of("../..").resolve(sys.relativize(part)));

    BlockDevice d = BlockDevice.of(sys, 259, 2);
    assertThat(d.kind()).isEqualTo("nvme");
    assertThat(d.nsid()).isEqualTo(1);
    assertThat(d.controller()).isEqualTo("nvme0");
    assertThat(d.pciAddress()).isEqualTo("0000:03:00.0");
    assertThat(d.model()).isEqualTo("Example NVMe SSD 1TB");
    assertThat(d.partition()).isTrue();
    assertThat(d.name()).isEqualTo("nvme0n1p2");
    assertThat(d.node()).isEqualTo("/dev/nvme0n1");
    assertThat(d.notDirectReason()).isNull();
    // start is in 512-byte sectors even on a 4K-LBA namespace: 2048*512 + 8192 = LBA 258
    assertThat(d.lba(8192)).isEqualTo(258);
    assertThat(d.lba(512)).isEqualTo(-1);
  }

  @Test
  void deviceMapperIsNotForDeviceReads(@TempDir Path sys) throws Exception {
    Path dm = Files.createDirectories(sys.resolve("devices/virtual/block/dm-0"));
    Files.createDirectories(dm.resolve("dm"));
    Files.writeString(dm.resolve("dm/name"), "vg-root\n");
    Files.writeString(dm.resolve("size"), "1000\n");
    Files.createDirectories(dm.resolve("queue"));
    Files.writeString(dm.resolve("queue/logical_block_size"), "512\n");
    Files.createDirectories(sys.resolve("dev/block"));
    Files.createSymbolicLink(
        sys.resolve("dev/block/252:0"), Path.of("../../devices/virtual/block/dm-0"));
    BlockDevice d = BlockDevice.of(sys, 252, 0);
    assertThat(d.kind()).isEqualTo("device-mapper");
    assertThat(d.notDirectReason()).contains("vg-root");
  }
}
