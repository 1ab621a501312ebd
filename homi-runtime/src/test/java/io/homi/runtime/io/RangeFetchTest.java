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
import io.homi.runtime.os.OpenFile;
import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Coalescing of nearby ranges into block-aligned runs, and views of what was fetched. */
class RangeFetchTest {
  private static List<long[]> plan(long gap, long size, ByteRange... r) {
    return RangeFetch.plan(List.of(r), gap, size);
  }

  @Test
  void adjacentAndNearRangesCoalesceFarOnesDoNot() {
    List<long[]> runs =
        plan(0, 1 << 20, new ByteRange(8192, 100), new ByteRange(0, 4096), new ByteRange(4096, 10));
    assertThat(runs).hasSize(1);
    assertThat(runs.get(0)).containsExactly(0, 12288);

    runs =
        plan(4096, 1 << 20, new ByteRange(0, 10), new ByteRange(8192, 10), new ByteRange(65536, 1));
    assertThat(runs).hasSize(2);
    assertThat(runs.get(0)).containsExactly(0, 12288); // a 4 KiB hole is within the gap
    assertThat(runs.get(1)).containsExactly(65536, 4096);

    runs =
        plan(
            0,
            1 << 20,
            new ByteRange(100, 50_000),
            new ByteRange(20_000, 10),
            new ByteRange(300_000, 0));
    assertThat(runs).hasSize(1); // overlap swallowed, empty range ignored
    assertThat(runs.get(0)).containsExactly(0, 53_248);
  }

  @Test
  void runsStopAtTheFilesLastBlockAndRangesPastItAreRejected() {
    List<long[]> runs = plan(0, 10_000, new ByteRange(9_000, 5_000));
    assertThat(runs.get(0)).containsExactly(8192, 4096);
    assertThatThrownBy(() -> plan(0, 10_000, new ByteRange(20_000, 10)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("past the end");
  }

  @Test
  void fetchReturnsEveryRangeAndSplitsLargeRunsIntoTasks() throws Exception {
    long size = (9L << 20) + 5;
    NamespaceTable table = new NamespaceTable();
    BufferRegistry reg = new BufferRegistry();
    try (Mediator m = new Mediator(table, reg, 64L << 20, 4);
        OpenFile f = OpenFile.open(TestData.file("fetch.bin", size));
        QueueClient c = new QueueClient(m, 16, 4L << 20, new PathPolicy(PathPolicy.Mode.OS, 0))) {
      Namespace ns = table.attach(f);
      List<ByteRange> ranges =
          List.of(
              new ByteRange(10, 20),
              new ByteRange(5000, 3000),
              new ByteRange(1L << 20, 8L << 20),
              new ByteRange(size - 5, 5));
      PathStats.Snapshot before = m.stats().snapshot();
      try (RangeFetch rf = RangeFetch.read(c, reg, ns, ranges, 0)) {
        // runs: [0, 8192) and [1 MiB, end): the second, 8 MiB + 4 KiB, is 3 tasks of <= 4 MiB
        assertThat(m.stats().snapshot().minus(before).executed()).isEqualTo(1 + 3);
        for (ByteRange r : ranges) {
          ByteBuffer s = rf.view(r.offset(), (int) r.length());
          assertThat(TestData.firstMismatch(s, 0, (int) r.length(), r.offset(), size))
              .isEqualTo(-1);
        }
        assertThatThrownBy(() -> rf.view(9000, 10)).isInstanceOf(IllegalArgumentException.class);
      }
    }
  }
}
