package io.homi.runtime.nvme;

import java.nio.ByteBuffer;

/**
 * The 64-byte NVMe submission queue entry, read and written in place in a ring (NVMe base spec,
 * "Common Command Format"). Only the fields HOMI uses are named; the rest stay zero.
 *
 * <pre>
 * DW0   [7:0] opcode  [15:14] PSDT (0 = PRP, 1 = SGL)  [31:16] CID
 * DW1   NSID
 * DW6-9 DPTR: PRP1 (8) + PRP2 (8), or one SGL descriptor: address (8), length (4), id byte at 15
 * DW10-11 SLBA      DW12 [15:0] NLB, 0-based
 * </pre>
 */
public final class NvmeCommand {
  public static final int SIZE = 64;

  // Byte offsets of the fields in an entry (DW n starts at 4n); the GPU queue client
  // (homi_queue_client.cuh, write_read_sqe) writes the same dwords: NvmeLayoutTest checks both.
  /** DW0: opcode [7:0], PSDT [15:14], CID [31:16]. */
  static final int DW0 = 0;

  /** DW1: namespace id. */
  static final int NSID = 4;

  /** DW6-7: PRP1, or the SGL data block's address. */
  static final int DPTR = 24;

  /** DW8-9: PRP2 (PRP commands). */
  static final int PRP2 = 32;

  /** DW8: the SGL data block's length (SGL commands). */
  static final int SGL_LENGTH = 32;

  /** Byte 15 of the SGL descriptor (the top byte of DW9): type [7:4], subtype [3:0]. */
  static final int SGL_ID = 39;

  /** DW10-11: starting LBA. */
  static final int SLBA = 40;

  /** DW12 [15:0]: number of logical blocks, 0-based. */
  static final int NLB = 48;

  /** DW10 and DW11 of admin commands (where a read's SLBA is). */
  static final int CDW10 = 40;

  static final int CDW11 = 44;

  public static final int OPC_FLUSH = 0x00;
  public static final int OPC_WRITE = 0x01;
  public static final int OPC_READ = 0x02;

  public static final int PSDT_PRP = 0;
  public static final int PSDT_SGL = 1;

  /**
   * SGL descriptor type 0h (Data Block), subtype 0h (address), in the identifier's upper nibble.
   */
  public static final int SGL_DATA_BLOCK = 0x00;

  private NvmeCommand() {}

  /** Writes a read command that lands in one contiguous buffer, described by an SGL data block. */
  public static void writeReadSgl(
      ByteBuffer ring, int slot, int cid, int nsid, long slba, int nlb0, long address, int length) {
    int b = slot * SIZE;
    clear(ring, b);
    ring.putInt(b + DW0, OPC_READ | (PSDT_SGL << 14) | (cid << 16));
    ring.putInt(b + NSID, nsid);
    ring.putLong(b + DPTR, address);
    ring.putInt(b + SGL_LENGTH, length);
    ring.put(b + SGL_ID, (byte) (SGL_DATA_BLOCK << 4));
    ring.putLong(b + SLBA, slba);
    ring.putInt(b + NLB, nlb0 & 0xffff);
  }

  /** Writes a read command with PRP data pointers (PRP2: second page or PRP list address). */
  public static void writeReadPrp(
      ByteBuffer ring, int slot, int cid, int nsid, long slba, int nlb0, long prp1, long prp2) {
    int b = slot * SIZE;
    clear(ring, b);
    ring.putInt(b + DW0, OPC_READ | (PSDT_PRP << 14) | (cid << 16));
    ring.putInt(b + NSID, nsid);
    ring.putLong(b + DPTR, prp1);
    ring.putLong(b + PRP2, prp2);
    ring.putLong(b + SLBA, slba);
    ring.putInt(b + NLB, nlb0 & 0xffff);
  }

  /**
   * Writes an admin command (Identify, Set Features, Create/Delete I/O Queue) with one PRP (a page
   * of data or a queue's base) and its DW10/DW11: for a controller HOMI drives itself (a VF).
   */
  public static void writeAdmin(
      ByteBuffer ring, int slot, int opcode, int cid, int nsid, long prp1, int cdw10, int cdw11) {
    int b = slot * SIZE;
    clear(ring, b);
    ring.putInt(b + DW0, (opcode & 0xff) | (PSDT_PRP << 14) | (cid << 16));
    ring.putInt(b + NSID, nsid);
    ring.putLong(b + DPTR, prp1);
    ring.putInt(b + CDW10, cdw10);
    ring.putInt(b + CDW11, cdw11);
  }

  /** Writes an arbitrary opcode (tests and fault injection use this to build invalid commands). */
  public static void writeRaw(
      ByteBuffer ring, int slot, int opcode, int cid, int nsid, long slba, int nlb0) {
    int b = slot * SIZE;
    clear(ring, b);
    ring.putInt(b + DW0, (opcode & 0xff) | (cid << 16));
    ring.putInt(b + NSID, nsid);
    ring.putLong(b + SLBA, slba);
    ring.putInt(b + NLB, nlb0 & 0xffff);
  }

  /**
   * Rewrites PSDT (DW0 bits 15:14) in place; tests use it to build reserved or mismatched values.
   */
  public static void setPsdt(ByteBuffer ring, int slot, int psdt) {
    int b = slot * SIZE;
    ring.putInt(b + DW0, (ring.getInt(b + DW0) & ~(0x3 << 14)) | ((psdt & 0x3) << 14));
  }

  /** Rewrites the SGL identifier byte (type in bits 7:4, subtype in bits 3:0). */
  public static void setSglIdentifier(ByteBuffer ring, int slot, int identifier) {
    ring.put(slot * SIZE + SGL_ID, (byte) identifier);
  }

  private static void clear(ByteBuffer ring, int b) {
    for (int i = 0; i < SIZE; i += 8) ring.putLong(b + i, 0L);
  }

  public static int opcode(ByteBuffer ring, int slot) {
    return ring.getInt(slot * SIZE + DW0) & 0xff;
  }

  public static int psdt(ByteBuffer ring, int slot) {
    return (ring.getInt(slot * SIZE + DW0) >>> 14) & 0x3;
  }

  public static int cid(ByteBuffer ring, int slot) {
    return ring.getInt(slot * SIZE + DW0) >>> 16;
  }

  public static int nsid(ByteBuffer ring, int slot) {
    return ring.getInt(slot * SIZE + NSID);
  }

  public static long prp1(ByteBuffer ring, int slot) {
    return ring.getLong(slot * SIZE + DPTR);
  }

  public static long prp2(ByteBuffer ring, int slot) {
    return ring.getLong(slot * SIZE + PRP2);
  }

  public static long sglAddress(ByteBuffer ring, int slot) {
    return ring.getLong(slot * SIZE + DPTR);
  }

  public static long sglLength(ByteBuffer ring, int slot) {
    return ring.getInt(slot * SIZE + SGL_LENGTH) & 0xffffffffL;
  }

  public static int sglType(ByteBuffer ring, int slot) {
    return (ring.get(slot * SIZE + SGL_ID) & 0xff) >>> 4;
  }

  public static int sglSubtype(ByteBuffer ring, int slot) {
    return ring.get(slot * SIZE + SGL_ID) & 0xf;
  }

  public static long slba(ByteBuffer ring, int slot) {
    return ring.getLong(slot * SIZE + SLBA);
  }

  /** Number of logical blocks, converted from the 0-based field. */
  public static int blocks(ByteBuffer ring, int slot) {
    return (ring.getInt(slot * SIZE + NLB) & 0xffff) + 1;
  }
}
