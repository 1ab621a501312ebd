package io.homi.runtime.os;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import java.io.IOException;

/**
 * NVMe admin commands through the kernel's nvme driver ({@code NVME_IOCTL_ADMIN_CMD} on the
 * controller's char device /dev/nvmeN): the control plane's way to manage a controller while the
 * driver keeps it. {@code struct nvme_passthru_cmd} fields at named offsets ({@code VfioLayoutTest}
 * checks them against {@code linux/nvme_ioctl.h}).
 */
public final class NvmeAdmin {
  /** _IOWR('N', 0x41, struct nvme_admin_cmd) with the 72-byte struct. */
  static final long NVME_IOCTL_ADMIN_CMD = 0xC0484E41L;

  static final int CMD_BYTES = 72;
  static final int OPCODE = 0;
  static final int NSID = 4;
  static final int ADDR = 24;
  static final int DATA_LEN = 36;
  static final int CDW10 = 40;
  static final int CDW11 = 44;
  static final int TIMEOUT_MS = 64;
  static final int RESULT = 68;

  private NvmeAdmin() {}

  /**
   * What the controller answered: its status field (0 = success; SC 7:0, SCT 10:8, as the
   * controller reported it) and DW0 of the completion.
   */
  public record Result(int status, int dw0) {
    public boolean ok() {
      return status == 0;
    }
  }

  /**
   * Sends one admin command; {@code data}/{@code dataLength}: a host buffer the command reads or
   * writes (0 for none). Throws when the kernel refused it (errno), not for a controller status.
   */
  public static Result command(
      int fd, int opcode, int nsid, int cdw10, int cdw11, long data, int dataLength, String what)
      throws IOException {
    try (Memory m = new Memory(CMD_BYTES)) {
      m.clear();
      m.setByte(OPCODE, (byte) opcode);
      m.setInt(NSID, nsid);
      m.setLong(ADDR, data);
      m.setInt(DATA_LEN, dataLength);
      m.setInt(CDW10, cdw10);
      m.setInt(CDW11, cdw11);
      m.setInt(TIMEOUT_MS, 30_000);
      int status;
      try {
        status = Libc.ioctl(fd, NVME_IOCTL_ADMIN_CMD, Pointer.nativeValue(m));
      } catch (ErrnoException e) {
        throw new IOException(what + ": NVME_IOCTL_ADMIN_CMD refused: " + Libc.strerror(e.errno()));
      }
      return new Result(status, m.getInt(RESULT));
    }
  }

  /** Opens a controller char device (/dev/nvmeN) read-write for admin commands. */
  public static int open(String node) throws IOException {
    try {
      return Libc.open(node, Libc.O_RDWR | Libc.O_CLOEXEC);
    } catch (ErrnoException e) {
      throw new IOException("cannot open " + node + ": " + Libc.strerror(e.errno()));
    }
  }
}
