package io.homi.runtime.nvme;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One submission queue and its completion queue in shared memory, as an NVMe controller would see
 * them: 64-byte SQEs, 16-byte CQEs, and two doorbells (SQ tail, CQ head) written by the initiator.
 * Layout: [SQ ring][CQ ring][SQ tail doorbell, own cache line][CQ head doorbell].
 *
 * <p>Holds no thread-private state: the initiator keeps its tail/head/phase in its client and the
 * mediator keeps its own, exactly as host and controller do. A full queue keeps one slot empty so
 * that head == tail always means empty.
 */
public final class QueuePair implements AutoCloseable {
  private static final VarHandle INT =
      MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
  private static final int LINE = 64;

  private final int id;
  private final int sqEntries;
  private final int cqEntries;
  private final QueueMemory memory;
  private final ByteBuffer sq;
  private final ByteBuffer cq;
  private final ByteBuffer doorbells;

  public QueuePair(int id, int sqEntries, int cqEntries, QueueMemory memory) {
    if (sqEntries < 2 || cqEntries < 2 || sqEntries > 65536 || cqEntries > 65536) {
      throw new IllegalArgumentException(
          "queue sizes must be 2..65536: " + sqEntries + "/" + cqEntries);
    }
    if (memory.buffer().capacity() < bytesNeeded(sqEntries, cqEntries)) {
      throw new IllegalArgumentException("queue memory too small");
    }
    this.id = id;
    this.sqEntries = sqEntries;
    this.cqEntries = cqEntries;
    this.memory = memory;
    ByteBuffer all = memory.buffer().duplicate().order(ByteOrder.LITTLE_ENDIAN);
    this.sq = all.slice(0, sqEntries * NvmeCommand.SIZE).order(ByteOrder.LITTLE_ENDIAN);
    int cqOff = sqEntries * NvmeCommand.SIZE;
    this.cq = all.slice(cqOff, cqEntries * NvmeCompletion.SIZE).order(ByteOrder.LITTLE_ENDIAN);
    this.doorbells =
        all.slice(cqOff + cqEntries * NvmeCompletion.SIZE, 2 * LINE).order(ByteOrder.LITTLE_ENDIAN);
  }

  public static long bytesNeeded(int sqEntries, int cqEntries) {
    return (long) sqEntries * NvmeCommand.SIZE + (long) cqEntries * NvmeCompletion.SIZE + 2L * LINE;
  }

  /** Byte offsets inside the queue memory, for device code that addresses the rings itself. */
  public long sqOffset() {
    return 0;
  }

  public long cqOffset() {
    return (long) sqEntries * NvmeCommand.SIZE;
  }

  public long sqTailDoorbellOffset() {
    return cqOffset() + (long) cqEntries * NvmeCompletion.SIZE;
  }

  public long cqHeadDoorbellOffset() {
    return sqTailDoorbellOffset() + LINE;
  }

  public int id() {
    return id;
  }

  public int sqEntries() {
    return sqEntries;
  }

  public int cqEntries() {
    return cqEntries;
  }

  public ByteBuffer sq() {
    return sq;
  }

  public ByteBuffer cq() {
    return cq;
  }

  public QueueMemory memory() {
    return memory;
  }

  /** Initiator: publish SQEs up to (not including) {@code tail}. Release: SQE bytes first. */
  public void ringSqTail(int tail) {
    INT.setRelease(doorbells, 0, tail);
  }

  /** Mediator: the initiator's latest SQ tail. */
  public int sqTail() {
    return (int) INT.getAcquire(doorbells, 0);
  }

  /** Initiator: CQEs before {@code head} are consumed and their slots free. */
  public void ringCqHead(int head) {
    INT.setRelease(doorbells, LINE, head);
  }

  /** Mediator: the initiator's latest CQ head. */
  public int cqHead() {
    return (int) INT.getAcquire(doorbells, LINE);
  }

  @Override
  public void close() {
    memory.close();
  }
}
