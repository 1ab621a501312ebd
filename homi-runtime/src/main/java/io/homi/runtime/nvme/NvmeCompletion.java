package io.homi.runtime.nvme;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The 16-byte NVMe completion queue entry. DW3 holds CID, the phase tag and the status; it is
 * written last with release semantics so a poller that sees the new phase sees the whole entry.
 *
 * <pre>
 * DW0 command specific (HOMI: bytes transferred)   DW1 reserved
 * DW2 [15:0] SQ head  [31:16] SQ id
 * DW3 [15:0] CID  [16] phase  [31:17] status (SC 24:17, SCT 27:25, DNR 31)
 * </pre>
 */
public final class NvmeCompletion {
  public static final int SIZE = 16;

  // Byte offsets of the dwords (the GPU queue client polls DW3 the same way: NvmeLayoutTest).
  /** DW0: command specific (HOMI: bytes transferred). */
  static final int DW0 = 0;

  /** DW1: reserved. */
  static final int DW1 = 4;

  /** DW2: SQ head [15:0], SQ id [31:16]. */
  static final int DW2 = 8;

  /** DW3: CID [15:0], phase [16], status [31:17]; written last, with release. */
  static final int DW3 = 12;

  private static final VarHandle INT =
      MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

  private NvmeCompletion() {}

  public static void post(
      ByteBuffer ring,
      int slot,
      int dw0,
      int sqHead,
      int sqId,
      int cid,
      boolean phase,
      NvmeStatus status) {
    int b = slot * SIZE;
    ring.putInt(b + DW0, dw0);
    ring.putInt(b + DW1, 0);
    ring.putInt(b + DW2, (sqHead & 0xffff) | (sqId << 16));
    int dw3 = (cid & 0xffff) | (phase ? 1 << 16 : 0) | (status.field() << 17);
    INT.setRelease(ring, b + DW3, dw3);
  }

  /** DW3 with acquire semantics: the poller's view of CID, phase and status. */
  public static int dw3(ByteBuffer ring, int slot) {
    return (int) INT.getAcquire(ring, slot * SIZE + DW3);
  }

  public static boolean phase(int dw3) {
    return (dw3 & (1 << 16)) != 0;
  }

  public static int cid(int dw3) {
    return dw3 & 0xffff;
  }

  public static NvmeStatus status(int dw3) {
    return NvmeStatus.fromField(dw3 >>> 17);
  }

  public static int result(ByteBuffer ring, int slot) {
    return ring.getInt(slot * SIZE + DW0);
  }

  public static int sqHead(ByteBuffer ring, int slot) {
    return ring.getInt(slot * SIZE + DW2) & 0xffff;
  }
}
