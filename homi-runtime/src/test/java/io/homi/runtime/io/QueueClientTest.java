package io.homi.runtime.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.homi.runtime.mediator.BufferRegistry;
import io.homi.runtime.mediator.Mediator;
import io.homi.runtime.mediator.Namespace;
import io.homi.runtime.mediator.NamespaceTable;
import io.homi.runtime.mediator.PathKind;
import io.homi.runtime.mediator.PathPolicy;
import io.homi.runtime.mediator.PathStats;
import io.homi.runtime.mediator.TestData;
import io.homi.runtime.nvme.NvmeStatus;
import io.homi.runtime.os.HostBuffer;
import io.homi.runtime.os.OpenFile;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The host initiator: task splitting, pipelined batches, and faults that must reach the caller. */
class QueueClientTest {
  private NamespaceTable table;
  private BufferRegistry reg;
  private Mediator m;

  @BeforeEach
  void setUp() {
    table = new NamespaceTable();
    reg = new BufferRegistry();
    m = new Mediator(table, reg, 64L << 20, 4);
  }

  @AfterEach
  void tearDown() {
    m.close();
  }

  private static PathPolicy policy(PathPolicy.Mode mode) {
    return new PathPolicy(mode, 256 << 10);
  }

  @Test
  void largeReadsSplitIntoCommandsOfAtMostMaxCommandBytes() throws Exception {
    long size = (10L << 20) + 123;
    try (OpenFile f = OpenFile.open(TestData.file("client-tasks.bin", size));
        HostBuffer buf = TestData.buffer(reg, (10L << 20) + 4096);
        QueueClient c = new QueueClient(m, 8, 4L << 20, policy(PathPolicy.Mode.OS))) {
      Namespace ns = table.attach(f);
      PathStats.Snapshot before = m.stats().snapshot();
      c.read(ns, 0, size, buf.address());
      PathStats.Snapshot d = m.stats().snapshot().minus(before);
      assertThat(d.executed() + 0).isEqualTo(3); // 4 MiB + 4 MiB + 2 MiB and a bit
      assertThat(d.bytes(PathKind.OS)).isEqualTo(size);
      assertThat(
              TestData.firstMismatch(
                  buf.view(0, (int) buf.capacity()), 0, (int) buf.capacity(), 0, size))
          .isEqualTo(-1);
    }
  }

  @Test
  void batchOfRangesIsPipelinedAndLandsInPlace() throws Exception {
    long size = 3L << 20;
    try (OpenFile f = OpenFile.open(TestData.file("client-batch.bin", size));
        HostBuffer buf = TestData.buffer(reg, 1L << 20);
        QueueClient c = new QueueClient(m, 4, 64 << 10, policy(PathPolicy.Mode.AUTO))) {
      Namespace ns = table.attach(f);
      long a = buf.address();
      long[] offs = {2L << 20, 0, 4096 * 7, 0};
      long[] lens = {200_000, 4096, 0, 300_000};
      long[] dests = {a, a + 204_800, a + 212_992, a + 212_992};
      c.read(ns, offs, lens, dests);
      var v = buf.view(0, (int) buf.capacity());
      assertThat(TestData.firstMismatch(v, 0, 200_000, 2L << 20, size)).isEqualTo(-1);
      assertThat(TestData.firstMismatch(v, 204_800, 4096, 0, size)).isEqualTo(-1);
      assertThat(TestData.firstMismatch(v, 212_992, 300_000, 0, size)).isEqualTo(-1);
    }
  }

  @Test
  void truncatedFileFailsWithFileAndOffsetThenIsRevoked() throws Exception {
    Path p = Path.of("target", "homi-test-data", "client-truncate.bin");
    Files.deleteIfExists(p);
    Files.copy(TestData.file("client-truncate-src.bin", 8L << 20), p);
    // The paths that read the file's descriptors; the device path's own truncation check is in
    // DevicePathTest.
    for (PathPolicy.Mode mode :
        new PathPolicy.Mode[] {PathPolicy.Mode.AUTO, PathPolicy.Mode.OS, PathPolicy.Mode.DIRECT}) {
      try (RandomAccessFile raf = new RandomAccessFile(p.toFile(), "rw")) {
        raf.setLength(8L << 20);
      }
      try (OpenFile f = OpenFile.open(p);
          HostBuffer buf = TestData.buffer(reg, 8L << 20);
          QueueClient c = new QueueClient(m, 8, 1L << 20, policy(mode))) {
        Namespace ns = table.attach(f);
        try (RandomAccessFile raf = new RandomAccessFile(p.toFile(), "rw")) {
          raf.setLength(5L << 20); // truncated underneath, after the grant
        }
        assertThatThrownBy(() -> c.read(ns, 0, 8L << 20, buf.address()))
            .as("mode %s", mode)
            .isInstanceOf(HomiIoException.class)
            .hasMessageContaining(p.toAbsolutePath().toString())
            .hasMessageContaining("at offset " + (5L << 20))
            .hasMessageContaining("shrank")
            .satisfies(
                e ->
                    assertThat(((HomiIoException) e).status())
                        .isEqualTo(NvmeStatus.UNRECOVERED_READ_ERROR));
        assertThat(ns.isRevoked()).isTrue();
        assertThatThrownBy(() -> c.read(ns, 0, 4096, buf.address()))
            .isInstanceOf(HomiIoException.class)
            .satisfies(
                e ->
                    assertThat(((HomiIoException) e).status()).isEqualTo(NvmeStatus.ACCESS_DENIED));
        reg.unregister(buf.address());
      }
    }
  }

  @Test
  void readErrorFromTheFileSystemReachesTheCaller() throws Exception {
    Path dir = Files.createDirectories(Path.of("target", "homi-test-data", "a-directory"));
    try (OpenFile f =
            OpenFile.open(dir); // pread on a directory fails with EISDIR: a real read error
        HostBuffer buf = TestData.buffer(reg, 8192);
        QueueClient c = new QueueClient(m, 8, 1L << 20, policy(PathPolicy.Mode.AUTO))) {
      Namespace ns = table.attach(f);
      assertThat(ns.capacityLbas()).isPositive();
      assertThatThrownBy(() -> c.read(ns, 0, 4096, buf.address()))
          .isInstanceOf(HomiIoException.class)
          .hasMessageContaining(dir.toAbsolutePath().toString())
          .hasMessageContaining("at offset 0")
          .hasMessageContaining("Is a directory")
          .satisfies(
              e ->
                  assertThat(((HomiIoException) e).status())
                      .isEqualTo(NvmeStatus.UNRECOVERED_READ_ERROR));
      assertThat(m.stats().snapshot().errors()).isEqualTo(1);
    }
  }

  @Test
  @Timeout(10)
  void aMediatorThatNeverAnswersFailsTheReadAfterTheStallTimeout() throws Exception {
    m.close(); // its service threads are gone: nothing will ever be fetched
    try (OpenFile f = OpenFile.open(TestData.file("client-stall.bin", 1 << 20));
        HostBuffer buf = TestData.buffer(reg, 1 << 20)) {
      Namespace ns = table.attach(f);
      QueueClient c = new QueueClient(m, 8, 1L << 20, policy(PathPolicy.Mode.OS), 300);
      long t0 = System.nanoTime();
      assertThatThrownBy(() -> c.read(ns, 0, 1 << 20, buf.address()))
          .isInstanceOf(HomiIoException.class)
          .hasMessageContaining("no completion for " + ns.path())
          .hasMessageContaining("at offset 0");
      assertThat((System.nanoTime() - t0) / 1_000_000).isBetween(250L, 5_000L);
    }
  }

  @Test
  void unalignedOffsetsAreRejectedBeforeAnythingIsQueued() throws Exception {
    try (OpenFile f = OpenFile.open(TestData.file("client-tasks-small.bin", 8192));
        QueueClient c = new QueueClient(m, 8, 1L << 20, policy(PathPolicy.Mode.OS))) {
      Namespace ns = table.attach(f);
      assertThatThrownBy(() -> c.read(ns, 100, 10, 4096))
          .isInstanceOf(IllegalArgumentException.class);
    }
  }
}
