package io.homi.runtime.mediator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.homi.runtime.nvme.NvmeCommand;
import io.homi.runtime.nvme.NvmeStatus;
import io.homi.runtime.os.HostBuffer;
import io.homi.runtime.os.OpenFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Commands into device memory, on a machine without a GPU. The "device" region sits at a
 * non-canonical x86-64 address (2^48): any host code that dereferenced it (a pread into it, a zero
 * fill, reading a PRP list there) would kill this JVM, so every test passing proves host code paths
 * never touch device memory. Without a GPU path such commands are refused before any I/O; with one
 * (a recording stand-in here, GpuPath on a GPU) they go to it alone, zeros too.
 */
class DeviceMemoryTest {
  static final long SIZE = 10 * 4096 + 1808; // 11 blocks, the last one partial
  static final long FAKE_DEVICE = 1L << 48; // not mappable on x86-64: touching it crashes
  static final long FAKE_LEN = 1L << 20;

  /** Records what the mediator asks of the GPU path; touches no memory. */
  static final class RecordingGpuPath implements DeviceMemoryPath {
    final List<long[]> reads = new CopyOnWriteArrayList<>();
    final List<long[]> zeros = new CopyOnWriteArrayList<>();
    volatile boolean fail;

    @Override
    public long read(Namespace ns, long fileOffset, long address, long length) throws IOException {
      if (fail) throw new IOException("cuMemcpyHtoDAsync failed (test)");
      reads.add(new long[] {fileOffset, address, length});
      return Math.max(0, Math.min(length, ns.sizeBytes() - fileOffset));
    }

    @Override
    public void zero(long address, long length) {
      zeros.add(new long[] {address, length});
    }

    @Override
    public String describe() {
      return "recording stand-in";
    }
  }

  NamespaceTable table;
  BufferRegistry reg;
  Mediator m;
  OpenFile file;
  Namespace ns;
  HostBuffer host;

  @BeforeEach
  void setUp() throws Exception {
    Path p = TestData.file("devicememory.bin", SIZE);
    table = new NamespaceTable();
    reg = new BufferRegistry();
    m = new Mediator(table, reg, Mediator.Settings.of(1L << 20, 2));
    file = OpenFile.open(p);
    ns = table.attach(file);
    host = TestData.buffer(reg, 1L << 20);
    reg.register(FAKE_DEVICE, FAKE_LEN, BufferRegistry.Kind.DEVICE);
    // Warm the page cache so the inline cached path would take these commands if it were asked.
    try (HostBuffer warm = new HostBuffer(64 << 10)) {
      io.homi.runtime.os.Libc.preadFully(file.fd(), warm.address(), SIZE, 0);
    }
  }

  @AfterEach
  void tearDown() {
    m.close();
    file.close();
    host.close();
  }

  private record Done(RawQueue.Cqe cqe, String detail, PathStats.Snapshot delta) {}

  /** Writes one SQE into a ring slot. */
  interface Cmd {
    void write(ByteBuffer sq, int slot);
  }

  private Done run(PathPolicy.Mode mode, Cmd cmd) {
    RawQueue q = new RawQueue(m.createQueuePair(8, 8, new PathPolicy(mode, 0)));
    PathStats.Snapshot before = m.stats().snapshot();
    q.add(s -> cmd.write(q.sq(), s));
    q.ring();
    m.wake();
    List<RawQueue.Cqe> c = q.await(m, 1, 10_000);
    assertThat(c).hasSize(1);
    return new Done(
        c.get(0), m.takeErrorDetail(q.qp, c.get(0).cid()), m.stats().snapshot().minus(before));
  }

  @Test
  void registryMarksKindsAndOldSignatureMeansHost() {
    BufferRegistry r = new BufferRegistry();
    r.register(4096, 8192);
    r.register(FAKE_DEVICE, FAKE_LEN, BufferRegistry.Kind.DEVICE);
    assertThat(r.kindOf(4096, 8192)).isEqualTo(BufferRegistry.Kind.HOST);
    assertThat(r.kindOf(FAKE_DEVICE + 10, 100)).isEqualTo(BufferRegistry.Kind.DEVICE);
    assertThat(r.contains(FAKE_DEVICE, FAKE_LEN)).isTrue();
    assertThat(r.contains(FAKE_DEVICE, FAKE_LEN, BufferRegistry.Kind.HOST)).isFalse();
    assertThat(r.contains(FAKE_DEVICE, FAKE_LEN + 1)).isFalse();
    assertThat(r.kindOf(1L << 40, 1)).isNull();
    assertThatThrownBy(() -> r.register(Long.MAX_VALUE - 10, 100))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @ParameterizedTest
  @EnumSource(PathPolicy.Mode.class)
  void withoutGpuPathDeviceDestinationsAreRefusedBeforeAnyIo(PathPolicy.Mode mode) {
    // The last block: on a host destination this zero-fills past EOF, so a host path would write.
    Done d =
        run(
            mode,
            (sq, s) -> NvmeCommand.writeReadSgl(sq, s, 7, ns.nsid(), 10, 0, FAKE_DEVICE, 4096));
    assertThat(d.cqe().status()).isEqualTo(NvmeStatus.DATA_TRANSFER_ERROR);
    assertThat(d.detail()).contains("device memory");
    if (mode == PathPolicy.Mode.AUTO || mode == PathPolicy.Mode.GPU)
      assertThat(d.detail()).contains("no GPU path");
    assertThat(d.delta().totalBytes()).isZero();
    assertThat(d.delta().refused()).isEqualTo(1);
    // A small cached read mid-file (what the service thread would copy inline on the host).
    Done mid =
        run(
            mode,
            (sq, s) ->
                NvmeCommand.writeReadSgl(sq, s, 8, ns.nsid(), 1, 1, FAKE_DEVICE + 8192, 8192));
    assertThat(mid.cqe().status()).isEqualTo(NvmeStatus.DATA_TRANSFER_ERROR);
    assertThat(mid.delta().totalBytes()).isZero();
  }

  @Test
  void prpListInDeviceMemoryIsNeverRead() {
    // 3 pages: PRP2 is a list pointer, and the list would be read by host code: it must be host
    // memory.
    Done d =
        run(
            PathPolicy.Mode.AUTO,
            (sq, s) ->
                NvmeCommand.writeReadPrp(sq, s, 9, ns.nsid(), 0, 2, host.address(), FAKE_DEVICE));
    assertThat(d.cqe().status()).isEqualTo(NvmeStatus.DATA_TRANSFER_ERROR);
    assertThat(d.delta().totalBytes()).isZero();
  }

  @Test
  void oneCommandNeverMixesHostAndDeviceMemory() {
    m.setGpuPath(new RecordingGpuPath());
    Done d =
        run(
            PathPolicy.Mode.AUTO,
            (sq, s) ->
                NvmeCommand.writeReadPrp(sq, s, 10, ns.nsid(), 0, 1, host.address(), FAKE_DEVICE));
    assertThat(d.cqe().status()).isEqualTo(NvmeStatus.DATA_TRANSFER_ERROR);
    assertThat(d.delta().totalBytes()).isZero();
  }

  @Test
  void withGpuPathDeviceCommandsGoThereDataAndZerosAlike() {
    RecordingGpuPath gpu = new RecordingGpuPath();
    m.setGpuPath(gpu);
    // SGL: the last block, 1808 bytes of file then 2288 zeros, all by the GPU path.
    Done d =
        run(
            PathPolicy.Mode.AUTO,
            (sq, s) ->
                NvmeCommand.writeReadSgl(sq, s, 11, ns.nsid(), 10, 0, FAKE_DEVICE + 4096, 4096));
    assertThat(d.cqe().status()).isEqualTo(NvmeStatus.SUCCESS);
    assertThat(d.cqe().result()).isEqualTo(1808);
    assertThat(gpu.reads).containsExactly(new long[] {40960, FAKE_DEVICE + 4096, 1808});
    assertThat(gpu.zeros).containsExactly(new long[] {FAKE_DEVICE + 4096 + 1808, 4096 - 1808});
    assertThat(d.delta().bytes(PathKind.GPU)).isEqualTo(1808);
    assertThat(d.delta().bytes(PathKind.OS) + d.delta().bytes(PathKind.DIRECT)).isZero();
    // PRP: two device pages apart from each other: two segments, each read by the GPU path.
    gpu.reads.clear();
    Done p =
        run(
            PathPolicy.Mode.GPU,
            (sq, s) ->
                NvmeCommand.writeReadPrp(
                    sq, s, 12, ns.nsid(), 2, 1, FAKE_DEVICE, FAKE_DEVICE + 3 * 4096));
    assertThat(p.cqe().status()).isEqualTo(NvmeStatus.SUCCESS);
    assertThat(gpu.reads)
        .containsExactly(
            new long[] {8192, FAKE_DEVICE, 4096}, new long[] {12288, FAKE_DEVICE + 3 * 4096, 4096});
    assertThat(p.delta().bytes(PathKind.GPU)).isEqualTo(8192);
    // Host destinations still take the host paths, untouched by the GPU path.
    gpu.reads.clear();
    Done h =
        run(
            PathPolicy.Mode.AUTO,
            (sq, s) -> NvmeCommand.writeReadSgl(sq, s, 13, ns.nsid(), 0, 0, host.address(), 4096));
    assertThat(h.cqe().status()).isEqualTo(NvmeStatus.SUCCESS);
    assertThat(gpu.reads).isEmpty();
    assertThat(h.delta().bytes(PathKind.GPU)).isZero();
  }

  @Test
  void aForcedHostPathLeavesDeviceDestinationsToTheGpuPath() {
    // homi.path=os (any forced host path) governs host destinations; device memory is the GPU
    // path's.
    RecordingGpuPath rec = new RecordingGpuPath();
    m.setGpuPath(rec);
    Done os =
        run(
            PathPolicy.Mode.OS,
            (sq, s) -> NvmeCommand.writeReadSgl(sq, s, 14, ns.nsid(), 0, 0, FAKE_DEVICE, 4096));
    assertThat(os.cqe().status()).isEqualTo(NvmeStatus.SUCCESS);
    assertThat(rec.reads).hasSize(1);
    assertThat(os.delta().bytes(PathKind.GPU)).isEqualTo(4096);
    assertThat(os.delta().bytes(PathKind.OS)).isZero();
  }

  @Test
  void gpuModeRefusesHostMemory() {
    m.setGpuPath(new RecordingGpuPath());
    Done gpu =
        run(
            PathPolicy.Mode.GPU,
            (sq, s) -> NvmeCommand.writeReadSgl(sq, s, 15, ns.nsid(), 0, 0, host.address(), 4096));
    assertThat(gpu.cqe().status()).isEqualTo(NvmeStatus.DATA_TRANSFER_ERROR);
    assertThat(gpu.detail()).contains("homi.path=gpu writes device memory only");
    assertThat(gpu.delta().totalBytes()).isZero();
  }

  @Test
  void aFailingGpuPathFailsTheCommandWithItsReasonAndNoHostFill() {
    RecordingGpuPath gpu = new RecordingGpuPath();
    gpu.fail = true;
    m.setGpuPath(gpu);
    Done d =
        run(
            PathPolicy.Mode.AUTO,
            (sq, s) -> NvmeCommand.writeReadSgl(sq, s, 16, ns.nsid(), 10, 0, FAKE_DEVICE, 4096));
    assertThat(d.cqe().status()).isEqualTo(NvmeStatus.UNRECOVERED_READ_ERROR);
    assertThat(d.detail()).contains("cuMemcpyHtoDAsync failed");
    assertThat(gpu.zeros).isEmpty();
  }
}
