package io.homi.runtime.nvme;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/** Byte-exact SQE/CQE layout per the NVMe base spec, and the queue pair's memory layout. */
class QueueFormatTest {
  private static ByteBuffer ring(int bytes) {
    return ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
  }

  private static int u8(ByteBuffer b, int i) {
    return b.get(i) & 0xff;
  }

  @Test
  void sglReadSqeIsByteExact() {
    ByteBuffer r = ring(2 * NvmeCommand.SIZE);
    for (int i = 0; i < r.capacity(); i++) r.put(i, (byte) 0x5A); // stale bytes must be cleared
    NvmeCommand.writeReadSgl(
        r, 1, 0xBEEF, 0x01020304, 0x1122334455667788L, 0x00FF, 0x0A0B0C0D0E0F1011L, 0x00100000);
    int b = 64;
    assertThat(u8(r, b)).isEqualTo(0x02); // CDW0 [7:0] opcode Read
    assertThat(u8(r, b + 1)).isEqualTo(0x40); // [15:14] PSDT = 01b (SGL), FUSE = 0
    assertThat(u8(r, b + 2) | u8(r, b + 3) << 8).isEqualTo(0xBEEF); // [31:16] CID
    assertThat(r.getInt(b + 4)).isEqualTo(0x01020304); // NSID
    for (int i = 8; i < 24; i++) assertThat(u8(r, b + i)).as("byte %d", i).isZero(); // CDW2-3, MPTR
    assertThat(r.getLong(b + 24)).isEqualTo(0x0A0B0C0D0E0F1011L); // SGL address
    assertThat(r.getInt(b + 32)).isEqualTo(0x00100000); // SGL length
    assertThat(u8(r, b + 36) | u8(r, b + 37) | u8(r, b + 38)).isZero();
    assertThat(u8(r, b + 39)).isEqualTo(0x00); // SGL id: Data Block (0h), subtype address (0h)
    assertThat(r.getLong(b + 40)).isEqualTo(0x1122334455667788L); // CDW10-11 SLBA
    assertThat(r.getShort(b + 48) & 0xffff).isEqualTo(0x00FF); // CDW12 [15:0] NLB, 0-based
    for (int i = 50; i < 64; i++) assertThat(u8(r, b + i)).as("byte %d", i).isZero();
    for (int i = 0; i < 64; i++) assertThat(u8(r, i)).isEqualTo(0x5A); // slot 0 untouched
    assertThat(NvmeCommand.blocks(r, 1)).isEqualTo(256);
    assertThat(NvmeCommand.psdt(r, 1)).isEqualTo(NvmeCommand.PSDT_SGL);
  }

  @Test
  void prpReadSqeIsByteExact() {
    ByteBuffer r = ring(NvmeCommand.SIZE);
    NvmeCommand.writeReadPrp(r, 0, 7, 1, 42, 0, 0x7000_1000L, 0x7000_3000L);
    assertThat(u8(r, 0)).isEqualTo(0x02);
    assertThat(u8(r, 1)).isEqualTo(0x00); // PSDT 00b: PRPs
    assertThat(r.getShort(2)).isEqualTo((short) 7);
    assertThat(r.getLong(24)).isEqualTo(0x7000_1000L); // PRP1
    assertThat(r.getLong(32)).isEqualTo(0x7000_3000L); // PRP2
    assertThat(r.getLong(40)).isEqualTo(42);
    assertThat(r.getShort(48)).isZero(); // NLB 0 = one block
    assertThat(NvmeCommand.blocks(r, 0)).isEqualTo(1);
  }

  @Test
  void cqeIsByteExactWithStatusAndPhase() {
    ByteBuffer r = ring(2 * NvmeCompletion.SIZE);
    NvmeCompletion.post(
        r, 1, 0xCAFEBABE, 0x0123, 0x0456, 0xABCD, true, NvmeStatus.LBA_OUT_OF_RANGE);
    int b = 16;
    assertThat(r.getInt(b)).isEqualTo(0xCAFEBABE); // DW0 command specific
    assertThat(r.getInt(b + 4)).isZero(); // DW1 reserved
    assertThat(r.getShort(b + 8) & 0xffff).isEqualTo(0x0123); // DW2 [15:0] SQ head
    assertThat(r.getShort(b + 10) & 0xffff).isEqualTo(0x0456); // DW2 [31:16] SQ id
    int dw3 = r.getInt(b + 12);
    assertThat(dw3 & 0xffff).isEqualTo(0xABCD); // CID
    assertThat((dw3 >>> 16) & 1).isEqualTo(1); // P
    assertThat((dw3 >>> 17) & 0xff).isEqualTo(0x80); // SC: LBA Out of Range
    assertThat((dw3 >>> 25) & 0x7).isEqualTo(0); // SCT: generic
    assertThat(dw3 >>> 31).isEqualTo(1); // DNR
    assertThat(NvmeCompletion.status(dw3)).isEqualTo(NvmeStatus.LBA_OUT_OF_RANGE);

    NvmeCompletion.post(r, 0, 0, 0, 1, 9, false, NvmeStatus.UNRECOVERED_READ_ERROR);
    int d = r.getInt(12);
    assertThat((d >>> 16) & 1).isZero();
    assertThat((d >>> 25) & 0x7).isEqualTo(2); // SCT: media and data integrity
    assertThat((d >>> 17) & 0xff).isEqualTo(0x81);

    NvmeCompletion.post(r, 0, 0, 0, 1, 9, true, NvmeStatus.SUCCESS);
    assertThat(r.getInt(12) >>> 17).isZero();
  }

  @Test
  void everyStatusRoundTripsThroughItsField() {
    for (NvmeStatus s : NvmeStatus.values()) {
      assertThat(NvmeStatus.fromField(s.field())).isEqualTo(s);
    }
  }

  @Test
  void queuePairLaysOutRingsAndDoorbellsOnSeparateLines() {
    try (QueuePair qp = new QueuePair(3, 8, 4, new HostQueueMemory(QueuePair.bytesNeeded(8, 4)))) {
      assertThat(qp.cqOffset()).isEqualTo(8 * 64);
      assertThat(qp.sqTailDoorbellOffset()).isEqualTo(8 * 64 + 4 * 16);
      assertThat(qp.cqHeadDoorbellOffset() - qp.sqTailDoorbellOffset()).isEqualTo(64);
      qp.ringSqTail(5);
      qp.ringCqHead(2);
      ByteBuffer all = qp.memory().buffer().order(ByteOrder.LITTLE_ENDIAN);
      assertThat(all.getInt((int) qp.sqTailDoorbellOffset())).isEqualTo(5);
      assertThat(all.getInt((int) qp.cqHeadDoorbellOffset())).isEqualTo(2);
      assertThat(qp.sqTail()).isEqualTo(5);
      assertThat(qp.cqHead()).isEqualTo(2);
      // a zeroed CQ: phase 0 everywhere, so the first completion (phase 1) is recognisable
      for (int i = 0; i < 4; i++)
        assertThat(NvmeCompletion.phase(NvmeCompletion.dw3(qp.cq(), i))).isFalse();
    }
    assertThatThrownBy(() -> new QueuePair(1, 1, 4, new HostQueueMemory(4096)))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
