package io.homi.runtime.os;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The io_uring side of NVMe passthrough, on this kernel: 128-byte SQEs and 32-byte CQEs, the
 * URING_CMD SQE reaching the kernel and its completion (with DW0) coming back by tag. A real NVMe
 * Read needs a controller: PassthroughPathTest does that in the lab (lab/nvme).
 */
class IoUringPassthroughTest {
  /** The uapi numbers, as the kernel headers define them. */
  @Test
  void layoutMatchesTheKernelHeaders() {
    assertThat(IoUring.NVME_URING_CMD_IO)
        .isEqualTo(0xC0484E80); // _IOWR('N', 0x80, struct nvme_uring_cmd)
    assertThat(IoUring.NVME_URING_CMD_BYTES)
        .isEqualTo(72)
        .isLessThanOrEqualTo(IoUring.SQE128_CMD_BYTES);
    assertThat(IoUring.SQE128_CMD_BYTES).isEqualTo(80);
    assertThat(IoUring.SQE_CMD).isEqualTo(48);
    assertThat(IoUring.NVME_CMD_ADDR).isEqualTo(24);
    assertThat(IoUring.NVME_CMD_DATA_LEN).isEqualTo(36);
    assertThat(IoUring.NVME_CMD_CDW10).isEqualTo(40);
    assertThat(IoUring.CQE_BIG0).isEqualTo(16);
    assertThat(IoUring.IORING_OP_URING_CMD).isEqualTo((byte) 46);
  }

  @Test
  void bigRingsCompleteNopsAndCommandsByTag(@TempDir Path dir) throws Exception {
    IoUringSupport.assumeAvailable();
    Path f = Files.write(dir.resolve("f"), new byte[4096]);
    int fd = Libc.open(f.toString(), Libc.O_RDONLY | Libc.O_CLOEXEC);
    try (IoUring r = IoUring.open(8, IoUring.IORING_SETUP_SQE128 | IoUring.IORING_SETUP_CQE32);
        HostBuffer buf = new HostBuffer(4096)) {
      assertThat(r.prepareNop(7)).isTrue();
      // A regular file has no uring_cmd handler: the kernel must answer the command, by its tag.
      assertThat(r.prepareNvmeIo(fd, IoUring.NVME_CMD_READ, 1, buf.address(), 4096, 0, 0, 9))
          .isTrue();
      assertThat(r.submit()).isEqualTo(2);
      List<long[]> got = new ArrayList<>();
      while (got.size() < 2) {
        if (r.reapCommands((tag, res, dw0) -> got.add(new long[] {tag, res})) == 0)
          r.waitForCompletions(1);
      }
      assertThat(got).anySatisfy(c -> assertThat(c).containsExactly(7, 0));
      assertThat(got)
          .anySatisfy(
              c -> {
                assertThat(c[0]).isEqualTo(9);
                assertThat(c[1]).as("-EOPNOTSUPP from a file without uring_cmd").isEqualTo(-95);
              });
      assertThat(r.inFlight()).isZero();
    } finally {
      Libc.close(fd);
    }
  }

  @Test
  void passthroughNeedsBigEntries() throws Exception {
    IoUringSupport.assumeAvailable();
    try (IoUring r = IoUring.open(8)) {
      assertThatThrownBy(() -> r.prepareNvmeIo(0, IoUring.NVME_CMD_READ, 1, 0, 4096, 0, 0, 1))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("SQE128");
      assertThatThrownBy(() -> r.reapCommands((t, res, dw0) -> {})).hasMessageContaining("CQE32");
    }
  }
}
