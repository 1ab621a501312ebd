package io.homi.runtime.mediator;

import static org.assertj.core.api.Assertions.assertThat;

import io.homi.runtime.nvme.NvmeCommand;
import io.homi.runtime.nvme.NvmeStatus;
import io.homi.runtime.os.HostBuffer;
import io.homi.runtime.os.OpenFile;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * A million randomized commands (-Dhomi.stress.commands scales it) from many threads, each on its
 * own queue pairs, valid and invalid mixed, with CQs smaller than SQs and initiators that sometimes
 * dawdle before consuming completions (so back-pressure engages). Every invalid command must be
 * refused with its status and never reach storage; every valid one must complete exactly once with
 * the right bytes.
 */
class StressTest {
  static final long COMMANDS = Long.getLong("homi.stress.commands", 1_000_000L);
  static final int THREADS = 6;
  static final int QUEUES_PER_THREAD = 2;
  static final int SQ = 64;
  static final int CQ = 16;
  static final int SLOT = 4 * 4096; // destination bytes per in-flight command
  static final long FILE_SIZE = (16L << 20) + 777;

  /** One in-flight command as its initiator remembers it. */
  private record Pending(NvmeStatus expect, long fileOffset, int slot, int bytes) {}

  @Test
  void millionMixedCommandsEachCompleteOnceCorrectly() throws Exception {
    NamespaceTable table = new NamespaceTable();
    BufferRegistry reg = new BufferRegistry();
    OpenFile f = OpenFile.open(TestData.file("stress.bin", FILE_SIZE));
    OpenFile g = OpenFile.open(TestData.file("stress.bin", FILE_SIZE));
    Namespace ns = table.attach(f);
    Namespace gone = table.attach(g);
    gone.revoke("stress: revoked");
    AtomicLong budget = new AtomicLong(COMMANDS);
    AtomicLong valid = new AtomicLong();
    AtomicLong invalid = new AtomicLong();
    AtomicLong outOfOrder = new AtomicLong();
    try (Mediator m = new Mediator(table, reg, Mediator.Settings.of(1L << 20, 4))) {
      PathStats.Snapshot before = m.stats().snapshot();
      ExecutorService pool = Executors.newFixedThreadPool(THREADS);
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        int seed = t;
        done.add(
            pool.submit(
                () -> {
                  runInitiator(m, reg, ns, gone, seed, budget, valid, invalid, outOfOrder);
                  return null;
                }));
      }
      for (Future<?> d : done) d.get();
      pool.shutdown();
      PathStats.Snapshot d = m.stats().snapshot().minus(before);
      assertThat(valid.get() + invalid.get()).isEqualTo(COMMANDS);
      assertThat(d.executed()).as("commands that reached storage").isEqualTo(valid.get());
      assertThat(d.refused()).isEqualTo(invalid.get());
      assertThat(d.errors()).isZero();
      assertThat(invalid.get()).isGreaterThan(COMMANDS / 5);
      assertThat(outOfOrder.get()).as("completions that overtook an earlier command").isPositive();
    } finally {
      f.close();
      g.close();
    }
  }

  private static void runInitiator(
      Mediator m,
      BufferRegistry reg,
      Namespace ns,
      Namespace gone,
      int seed,
      AtomicLong budget,
      AtomicLong valid,
      AtomicLong invalid,
      AtomicLong outOfOrder) {
    SplittableRandom rnd = new SplittableRandom(seed * 7919L + 1);
    RawQueue[] qs = new RawQueue[QUEUES_PER_THREAD];
    Pending[][] pending = new Pending[QUEUES_PER_THREAD][65536];
    int[][] freeSlots = new int[QUEUES_PER_THREAD][];
    int[] freeTop = new int[QUEUES_PER_THREAD];
    int[] inFlight = new int[QUEUES_PER_THREAD];
    long[] lastCidSeq = new long[QUEUES_PER_THREAD];
    long[][] cidSeq = new long[QUEUES_PER_THREAD][65536];
    HostBuffer[] bufs = new HostBuffer[QUEUES_PER_THREAD];
    for (int i = 0; i < QUEUES_PER_THREAD; i++) {
      // one queue direct (the I/O pool), one auto (page cache, served inline)
      PathPolicy.Mode mode =
          i == 0
              ? PathPolicy.Mode.AUTO
              : (seed % 2 == 0 ? PathPolicy.Mode.DIRECT : PathPolicy.Mode.OS);
      qs[i] = new RawQueue(m.createQueuePair(SQ, CQ, new PathPolicy(mode, 0)));
      bufs[i] = TestData.buffer(reg, (long) SQ * SLOT);
      freeSlots[i] = new int[SQ];
      for (int s = 0; s < SQ; s++) freeSlots[i][s] = s;
      freeTop[i] = SQ;
    }
    long capacity = ns.capacityLbas();
    try {
      boolean more = true;
      while (more || sum(inFlight) > 0) {
        for (int qi = 0; qi < QUEUES_PER_THREAD; qi++) {
          RawQueue q = qs[qi];
          int added = 0;
          while (more && freeTop[qi] > 0 && q.sqRoom() > 0) {
            if (budget.getAndDecrement() <= 0) {
              more = false;
              break;
            }
            int slot = freeSlots[qi][--freeTop[qi]];
            int cid = slot | (rnd.nextInt(1024) << 6); // unique among this queue's in-flight CIDs
            long addr = bufs[qi].address() + (long) slot * SLOT;
            Pending p = writeCommand(q, rnd, cid, slot, addr, ns, gone, capacity);
            pending[qi][cid] = p;
            cidSeq[qi][cid] = ++lastCidSeq[qi];
            inFlight[qi]++;
            added++;
            if (p.expect == NvmeStatus.SUCCESS) valid.incrementAndGet();
            else invalid.incrementAndGet();
          }
          if (added > 0) {
            q.ring();
            m.wake();
          }
          if (rnd.nextInt(64) == 0)
            java.util.concurrent.locks.LockSupport.parkNanos(200_000); // let the CQ fill
          long newestSeen = 0;
          for (RawQueue.Cqe c : q.reap()) {
            Pending p = pending[qi][c.cid()];
            assertThat(p)
                .as("completion for CID %d that is not in flight (lost or duplicated)", c.cid())
                .isNotNull();
            pending[qi][c.cid()] = null;
            if (cidSeq[qi][c.cid()] < newestSeen) outOfOrder.incrementAndGet();
            newestSeen = Math.max(newestSeen, cidSeq[qi][c.cid()]);
            assertThat(c.status()).as("CID %d at %d", c.cid(), p.fileOffset).isEqualTo(p.expect);
            if (p.expect == NvmeStatus.SUCCESS) {
              ByteBuffer v = bufs[qi].view((long) p.slot * SLOT, SLOT);
              long inFile = Math.min(p.bytes, FILE_SIZE - p.fileOffset);
              boolean ok =
                  inFile == p.bytes
                      ? TestData.matchesWords(v, 0, p.bytes, p.fileOffset)
                      : TestData.firstMismatch(v, 0, p.bytes, p.fileOffset, FILE_SIZE) < 0;
              assertThat(ok).as("bytes of CID %d at %d", c.cid(), p.fileOffset).isTrue();
              assertThat(c.result()).isEqualTo(inFile);
            }
            freeSlots[qi][freeTop[qi]++] = p.slot;
            inFlight[qi]--;
          }
          q.ringCqHead();
          m.wake();
        }
      }
      for (int i = 0; i < QUEUES_PER_THREAD; i++) {
        for (Pending p : pending[i]) assertThat(p).as("a command never completed").isNull();
      }
    } finally {
      for (int i = 0; i < QUEUES_PER_THREAD; i++) {
        m.deleteQueuePair(qs[i].qp);
        reg.unregister(bufs[i].address());
        bufs[i].close();
      }
    }
  }

  private static int sum(int[] a) {
    int s = 0;
    for (int x : a) s += x;
    return s;
  }

  /**
   * Writes one random command at the SQ tail: about 70% valid reads (SGL or PRP), 30% invalid ones.
   */
  private static Pending writeCommand(
      RawQueue q,
      SplittableRandom rnd,
      int cid,
      int slot,
      long addr,
      Namespace ns,
      Namespace gone,
      long capacity) {
    int blocks = 1 + rnd.nextInt(4);
    long slba = rnd.nextLong(capacity - blocks + 1);
    int bytes = blocks * 4096;
    int kind = rnd.nextInt(20);
    ByteBuffer sq = q.sq();
    NvmeStatus expect;
    switch (kind) {
      case 0 -> {
        q.add(
            s ->
                NvmeCommand.writeRaw(
                    sq,
                    s,
                    rnd.nextBoolean() ? 0x7F : NvmeCommand.OPC_FLUSH,
                    cid,
                    ns.nsid(),
                    slba,
                    blocks - 1));
        expect = NvmeStatus.INVALID_OPCODE;
      }
      case 1 -> {
        q.add(
            s ->
                NvmeCommand.writeRaw(
                    sq, s, NvmeCommand.OPC_WRITE, cid, ns.nsid(), slba, blocks - 1));
        expect = NvmeStatus.NAMESPACE_WRITE_PROTECTED;
      }
      case 2 -> {
        q.add(
            s ->
                NvmeCommand.writeReadSgl(
                    sq, s, cid, 0x7000 + rnd.nextInt(100), slba, blocks - 1, addr, bytes));
        expect = NvmeStatus.INVALID_NAMESPACE;
      }
      case 3 -> {
        q.add(
            s -> NvmeCommand.writeReadSgl(sq, s, cid, gone.nsid(), slba, blocks - 1, addr, bytes));
        expect = NvmeStatus.ACCESS_DENIED;
      }
      case 4 -> {
        long bad = capacity - blocks + 1 + rnd.nextInt(1000);
        q.add(s -> NvmeCommand.writeReadSgl(sq, s, cid, ns.nsid(), bad, blocks - 1, addr, bytes));
        expect = NvmeStatus.LBA_OUT_OF_RANGE;
      }
      case 5 -> {
        q.add(
            s ->
                NvmeCommand.writeReadSgl(
                    sq, s, cid, ns.nsid(), slba, blocks - 1, addr, bytes + 4096));
        expect = NvmeStatus.DATA_SGL_LENGTH_INVALID;
      }
      default -> {
        if (kind % 2 == 0) {
          q.add(
              s -> NvmeCommand.writeReadSgl(sq, s, cid, ns.nsid(), slba, blocks - 1, addr, bytes));
        } else {
          // PRP: page-aligned destination; PRP2 the second page, or a list kept in the slot's last
          // 64 bytes
          q.add(
              s ->
                  NvmeCommand.writeReadPrp(
                      sq,
                      s,
                      cid,
                      ns.nsid(),
                      slba,
                      blocks - 1,
                      addr,
                      blocks <= 2 ? addr + 4096 : prpList(addr, blocks)));
        }
        return new Pending(NvmeStatus.SUCCESS, slba * 4096, slot, bytes);
      }
    }
    return new Pending(expect, slba * 4096, slot, bytes);
  }

  /**
   * A PRP list for pages 2..blocks of the slot, written in the slot's 5th page area (unused by
   * data).
   */
  private static long prpList(long addr, int blocks) {
    long list = addr + 3 * 4096 + 4096 - 64; // within the slot, but past a 3-block transfer
    // 4-block reads use the whole slot: put their list in the first page's tail, it is overwritten
    // only
    // after the mediator has parsed it at validation, before any data moves
    if (blocks == 4) list = addr + 4096 - 64;
    com.sun.jna.Pointer p = new com.sun.jna.Pointer(list);
    for (int i = 1; i < blocks; i++) p.setLong((i - 1) * 8L, addr + i * 4096L);
    return list;
  }
}
