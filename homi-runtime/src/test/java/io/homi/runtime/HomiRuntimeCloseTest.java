package io.homi.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.homi.runtime.gpu.DeviceBuffer;
import io.homi.runtime.gpu.GpuProbe;
import io.homi.runtime.gpu.GpuTests;
import io.homi.runtime.gpu.decode.GpuRowGroups;
import io.homi.runtime.gpu.decode.MediatorSource;
import io.homi.runtime.parquet.ColumnDescriptor;
import io.homi.runtime.parquet.ParquetFileReader;
import io.homi.runtime.parquet.RowGroupReader;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A runtime of its own (not the JVM's), used for a read and closed: its threads end, the JVM's
 * runtime goes on; its GPU state (devices, decoders, GPU path) is its own and closed with it.
 */
class HomiRuntimeCloseTest {
  @TempDir Path dir;

  @Test
  void closeStopsTheMediatorAndLeavesTheJvmRuntimeAlone() throws Exception {
    Path p = dir.resolve("ids.parquet");
    write(p, 5_000);
    HomiRuntime shared = HomiRuntime.get();
    int before = threads("homi-mediator-");
    HomiRuntime rt = HomiRuntime.create();
    assertThat(threads("homi-mediator-")).as("its own service thread").isGreaterThan(before);
    assertThat(firstIds(rt, p, 3)).containsExactly(0L, 3L, 6L);
    rt.close();
    rt.close(); // idempotent
    assertThat(threads("homi-mediator-")).as("service threads after close").isEqualTo(before);
    assertThat(HomiRuntime.get()).isSameAs(shared);
    assertThat(firstIds(HomiRuntime.get(), p, 2)).containsExactly(0L, 3L);
  }

  /**
   * On a machine without a usable GPU (this one), the runtime's GPU accessors fail with the probe's
   * reason, the same words each time (remembered, not retried), and closing the runtime twice is
   * safe; after close they say the runtime is closed instead of opening anything.
   */
  @Test
  void withoutAGpuTheGpuAccessorsSayWhyAndCloseIsIdempotent() {
    GpuProbe.Result probe = GpuProbe.probe();
    assumeFalse(
        probe.usable(), "a usable GPU is present: see gpuStateIsOwnedAndClosedByTheRuntime");
    String why = "no usable GPU: " + probe.reason();
    HomiRuntime rt = HomiRuntime.create();
    int ordinal = GpuProbe.defaultOrdinal();
    assertThat(rt.gpuUnavailable()).isEqualTo(why);
    assertThat(rt.gpuUnavailable(ordinal)).as("asked again: the remembered reason").isEqualTo(why);
    assertThatThrownBy(() -> rt.gpuDevice(ordinal))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage(why);
    assertThatThrownBy(rt::gpuRowGroups).isInstanceOf(IllegalStateException.class).hasMessage(why);
    assertThatThrownBy(rt::gpuPath)
        .isInstanceOf(IOException.class)
        .hasMessage("homi.path=gpu: " + why);
    rt.close();
    rt.close(); // idempotent
    assertThat(rt.gpuUnavailable()).isEqualTo("the HOMI runtime is closed");
    assertThatThrownBy(() -> rt.gpuDevice(ordinal))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("the HOMI runtime is closed");
    assertThat(HomiRuntime.get()).as("the JVM's runtime is another").isNotSameAs(rt);
  }

  /**
   * With a GPU: one device handle per ordinal, shared by the decoders (and the GPU path), a row
   * group decoded through the runtime's decoders over the file's own mediated reader equals the CPU
   * decode, and close frees every device buffer the runtime made, decoders before devices.
   */
  @Test
  @Tag("gpu")
  void gpuStateIsOwnedAndClosedByTheRuntime() throws Exception {
    GpuTests.assumeGpu();
    Path p = dir.resolve("ids.parquet");
    write(p, 5_000);
    long liveBefore = DeviceBuffer.liveBytes();
    HomiRuntime rt = HomiRuntime.create();
    int ordinal = GpuProbe.defaultOrdinal();
    assertThat(rt.gpuUnavailable()).isNull();
    GpuRowGroups g = rt.gpuRowGroups();
    assertThat(g).isSameAs(rt.gpuRowGroups(ordinal));
    assertThat(g.gpu()).as("one device handle per ordinal").isSameAs(rt.gpuDevice(ordinal));
    rt.gpuPath();
    List<Long> want = firstIds(rt, p, 5_000);
    try (ParquetFileReader f = ParquetFileReader.open(rt, p, HomiConfig.defaults());
        BufferAllocator alloc = rt.allocator().newChildAllocator("gpu-close", 0, Long.MAX_VALUE)) {
      List<ColumnDescriptor> cols = List.of(f.schema().column("id"));
      try (GpuRowGroups.Batch b =
          g.decode(
              p,
              f.metadata(),
              cols,
              0,
              MediatorSource.of(f),
              HomiConfig.defaults().coalesceGapBytes(),
              alloc)) {
        BigIntVector v = (BigIntVector) b.columns().get(0).host(); // the batch's, closed with it
        assertThat(v.getValueCount()).isEqualTo(want.size());
        for (int i = 0; i < want.size(); i++) assertThat(v.get(i)).isEqualTo(want.get(i));
      }
    }
    rt.close();
    rt.close();
    assertThat(DeviceBuffer.liveBytes()).as("device memory after close").isEqualTo(liveBefore);
    assertThatThrownBy(() -> g.decode(p, null, List.of(), 0, null, 0, null))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
  }

  private static List<Long> firstIds(HomiRuntime rt, Path p, int n) throws IOException {
    try (ParquetFileReader f = ParquetFileReader.open(rt, p, HomiConfig.defaults());
        BufferAllocator alloc = rt.allocator().newChildAllocator("close-test", 0, Long.MAX_VALUE);
        RowGroupReader rg = f.openRowGroup(0, List.of(f.schema().column("id")));
        BigIntVector v = new BigIntVector("id", alloc)) {
      v.allocateNew(n);
      rg.read(List.of(v), 0, n);
      v.setValueCount(n);
      List<Long> out = new java.util.ArrayList<>();
      for (int i = 0; i < n; i++) out.add(v.get(i));
      return out;
    }
  }

  private static int threads(String prefix) {
    return (int)
        Thread.getAllStackTraces().keySet().stream()
            .filter(t -> t.isAlive() && t.getName().startsWith(prefix))
            .count();
  }

  private static void write(Path file, int rows) throws IOException {
    MessageType schema = MessageTypeParser.parseMessageType("message t { required int64 id; }");
    SimpleGroupFactory f = new SimpleGroupFactory(schema);
    try (ParquetWriter<Group> w =
        ExampleParquetWriter.builder(new org.apache.hadoop.fs.Path(file.toUri()))
            .withConf(new Configuration())
            .withType(schema)
            .build()) {
      for (int i = 0; i < rows; i++) w.write(f.newGroup().append("id", 3L * i));
    }
  }
}
