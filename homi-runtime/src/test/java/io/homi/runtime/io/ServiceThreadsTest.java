package io.homi.runtime.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.homi.runtime.mediator.BufferRegistry;
import io.homi.runtime.mediator.Mediator;
import io.homi.runtime.mediator.Namespace;
import io.homi.runtime.mediator.NamespaceTable;
import io.homi.runtime.mediator.PathPolicy;
import io.homi.runtime.mediator.PathStats;
import io.homi.runtime.mediator.TestData;
import io.homi.runtime.os.HostBuffer;
import io.homi.runtime.os.OpenFile;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A mediator with several service threads (queues sharded over them by id), as GPU queue groups
 * use: many initiators at once, queues created and deleted while others run, every byte right.
 */
class ServiceThreadsTest {
  @Test
  @Timeout(120)
  void manyQueuesOverFourServiceThreadsReadEveryByteRight() throws Exception {
    long size = (6L << 20) + 1234;
    NamespaceTable table = new NamespaceTable();
    BufferRegistry reg = new BufferRegistry();
    Mediator.Settings settings = Mediator.Settings.of(1L << 20, 6).withServiceThreads(4);
    int clients = 10;
    ExecutorService pool = Executors.newFixedThreadPool(clients);
    try (Mediator m = new Mediator(table, reg, settings);
        OpenFile f = OpenFile.open(TestData.file("service-threads.bin", size))) {
      assertThat(m.settings().serviceThreads()).isEqualTo(4);
      Namespace ns = table.attach(f);
      PathStats.Snapshot before = m.stats().snapshot();
      List<Future<Long>> done = new ArrayList<>();
      for (int i = 0; i < clients; i++) {
        int id = i;
        done.add(
            pool.submit(
                () -> {
                  SplittableRandom rnd = new SplittableRandom(id);
                  long bytes = 0;
                  PathPolicy.Mode mode =
                      id % 3 == 0
                          ? PathPolicy.Mode.OS
                          : id % 3 == 1 ? PathPolicy.Mode.AUTO : PathPolicy.Mode.DIRECT;
                  try (HostBuffer buf = TestData.buffer(reg, 2L << 20)) {
                    for (int round = 0; round < 6; round++) {
                      // A fresh queue pair per round: creation and deletion race the other shards'
                      // passes.
                      try (QueueClient c =
                          new QueueClient(
                              m, 4 + rnd.nextInt(30), 64 << 10, new PathPolicy(mode, 0))) {
                        for (int k = 0; k < 8; k++) {
                          long off = rnd.nextLong(size / 4096) * 4096;
                          long len = Math.min(size - off, 1 + rnd.nextLong(1L << 20));
                          if (mode == PathPolicy.Mode.DIRECT) len = (len + 4095) & -4096L;
                          c.read(ns, off, len, buf.address());
                          long inFile =
                              Math.min(
                                  (len + 4095) & -4096L, size - off); // commands read whole blocks
                          assertThat(
                                  TestData.firstMismatch(
                                      buf.view(0, (int) len), 0, (int) len, off, size))
                              .as("client %d round %d at %d+%d", id, round, off, len)
                              .isEqualTo(-1);
                          bytes += inFile;
                        }
                      }
                    }
                  }
                  return bytes;
                }));
      }
      long total = 0;
      for (Future<Long> d : done) total += d.get(100, TimeUnit.SECONDS);
      PathStats.Snapshot d = m.stats().snapshot().minus(before);
      assertThat(d.totalBytes()).isEqualTo(total);
      assertThat(d.errors()).isZero();
      assertThat(d.refused()).isZero();
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void settingsRejectNonsense() {
    assertThatThrownBy(() -> Mediator.Settings.of(1L << 20, 2).withServiceThreads(0))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
