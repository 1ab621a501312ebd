package io.homi.runtime.io;

import static org.assertj.core.api.Assertions.assertThat;

import io.homi.runtime.mediator.BufferRegistry;
import io.homi.runtime.mediator.Mediator;
import io.homi.runtime.mediator.Namespace;
import io.homi.runtime.mediator.NamespaceTable;
import io.homi.runtime.mediator.PathKind;
import io.homi.runtime.mediator.PathPolicy;
import io.homi.runtime.mediator.PathStats;
import io.homi.runtime.mediator.TestData;
import io.homi.runtime.os.HostBuffer;
import io.homi.runtime.os.OpenFile;
import org.junit.jupiter.api.Test;

/**
 * Each queue pair counts its own traffic (per-task Spark metrics), and the parts add up to the
 * whole.
 */
class PerQueueStatsTest {
  @Test
  void twoClientsCountTheirOwnBytesAndTheMediatorCountsBoth() throws Exception {
    NamespaceTable table = new NamespaceTable();
    BufferRegistry reg = new BufferRegistry();
    try (Mediator m = new Mediator(table, reg, 64L << 20, 4);
        OpenFile a = OpenFile.open(TestData.file("stats-a.bin", 3 << 20));
        OpenFile b = OpenFile.open(TestData.file("stats-b.bin", 1 << 20));
        HostBuffer buf = TestData.buffer(reg, 4 << 20);
        QueueClient os = new QueueClient(m, 8, 1L << 20, new PathPolicy(PathPolicy.Mode.OS, 0));
        QueueClient direct =
            new QueueClient(m, 8, 1L << 20, new PathPolicy(PathPolicy.Mode.DIRECT, 0))) {
      Namespace nsA = table.attach(a);
      Namespace nsB = table.attach(b);
      PathStats.Snapshot before = m.stats().snapshot();
      os.read(nsA, 0, 3 << 20, buf.address());
      direct.read(nsB, 0, 1 << 20, buf.address());

      assertThat(os.stats().bytes(PathKind.OS)).isEqualTo(3 << 20);
      assertThat(os.stats().bytes(PathKind.DIRECT)).isZero();
      assertThat(os.stats().commands(PathKind.OS)).isEqualTo(3);
      assertThat(direct.stats().bytes(PathKind.DIRECT)).isEqualTo(1 << 20);
      assertThat(direct.stats().bytes(PathKind.OS)).isZero();
      PathStats.Snapshot all = m.stats().snapshot().minus(before);
      assertThat(all.totalBytes()).isEqualTo(os.stats().totalBytes() + direct.stats().totalBytes());
    }
  }
}
