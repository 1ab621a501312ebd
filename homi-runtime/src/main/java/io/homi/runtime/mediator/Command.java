package io.homi.runtime.mediator;

import io.homi.runtime.nvme.NvmeCommand;
import java.nio.ByteBuffer;

/**
 * A command's fields, copied out of its SQ slot when fetched: the initiator may reuse the slot as
 * soon as the SQ head moves past it, so nothing later may read the ring again.
 */
record Command(
    int cid,
    int opcode,
    int psdt,
    int nsid,
    long slba,
    int blocks,
    long dptr1,
    long dptr2,
    int sglType,
    int sglSubtype) {
  static Command read(ByteBuffer sq, int slot) {
    return new Command(
        NvmeCommand.cid(sq, slot),
        NvmeCommand.opcode(sq, slot),
        NvmeCommand.psdt(sq, slot),
        NvmeCommand.nsid(sq, slot),
        NvmeCommand.slba(sq, slot),
        NvmeCommand.blocks(sq, slot),
        NvmeCommand.prp1(sq, slot),
        NvmeCommand.prp2(sq, slot),
        NvmeCommand.sglType(sq, slot),
        NvmeCommand.sglSubtype(sq, slot));
  }

  long bytes() {
    return (long) blocks << Namespace.LBA_SHIFT;
  }

  long fileOffset() {
    return slba << Namespace.LBA_SHIFT;
  }
}
