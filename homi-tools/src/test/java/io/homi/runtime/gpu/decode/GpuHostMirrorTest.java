package io.homi.runtime.gpu.decode;

import static org.assertj.core.api.Assertions.assertThat;

import io.homi.runtime.HomiRuntime;
import io.homi.runtime.gpu.DeviceBuffer;
import io.homi.runtime.gpu.GpuDevice;
import io.homi.runtime.gpu.GpuProbe;
import io.homi.runtime.gpu.GpuTests;
import io.homi.runtime.parquet.ColumnDescriptor;
import io.homi.runtime.parquet.ParquetSchema;
import java.nio.file.Path;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.parquet.format.FileMetaData;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The host copies of GPU row groups ({@link HostMirror}): Arrow views of one pinned buffer, filled
 * by asynchronous copies issued right after the decode (eager) or at a column's first read (lazy),
 * or ordinary vectors when the pinned pool's bound leaves no room or under {@code pageable}, all
 * equal the pageable reference copy ({@link DeviceBatch#toVectors}, itself checked against the CPU
 * decoder by {@link GpuDecodeEqualityTest}); every pinned buffer goes back to the pool, reused,
 * bounded, and freed with the decoder; device memory and Arrow memory come back to where they were.
 * Tagged {@code gpu}: skipped without a GPU, saying why.
 */
@Tag("gpu")
class GpuHostMirrorTest {
  @TempDir Path dir;

  @ParameterizedTest(name = "nulls {0}, homi.gpuHostCopy={1}, pinned bound {2}")
  @CsvSource({
    "0.0, eager, 1073741824",
    "0.3, eager, 1073741824",
    "1.0, eager, 1073741824",
    "0.3, lazy, 1073741824",
    "0.3, pageable, 1073741824",
    "0.3, eager, 0",
    "0.3, lazy, 0",
  })
  void hostCopiesEqualTheReferenceAndGiveEverythingBack(double nulls, String mode, long bound)
      throws Exception {
    boolean eager = mode.equals("eager");
    boolean pinnedExpected = bound > 0 && !mode.equals("pageable");
    GpuTests.assumeGpu();
    Path f =
        DecodeTestFiles.write(
            dir.resolve("m.parquet"),
            20000,
            nulls,
            CompressionCodecName.SNAPPY,
            false,
            true,
            1024,
            64 * 1024,
            7);
    FileMetaData md = GpuParquetReader.footer(f);
    List<ColumnDescriptor> cols = ParquetSchema.of(md, f.toString()).columns();
    assertThat(md.getRow_groupsSize()).isGreaterThan(1);
    BufferAllocator alloc =
        HomiRuntime.get().allocator().newChildAllocator("mirror-test", 0, Long.MAX_VALUE);
    // The runtime's device (it owns the context); decoders of this test's own, for its pinned
    // bound.
    GpuDevice gpu = HomiRuntime.get().gpuDevice(GpuProbe.defaultOrdinal());
    long liveBefore = DeviceBuffer.liveBytes();
    GpuRowGroups g = GpuRowGroups.start(gpu, 1, bound);
    try {
      long heldAfterFirst = -1;
      for (int pass = 0; pass < 3; pass++) {
        for (int rg = 0; rg < md.getRow_groupsSize(); rg++) {
          assertThat(GpuRowGroups.refusal(md, cols, rg)).isNull();
          try (GpuRowGroups.Batch b =
              g.decode(f, md, cols, rg, null, 1 << 20, alloc, GpuRowGroups.HostCopy.of(mode))) {
            for (LazyHostColumn c : b.columns()) {
              assertThat(c.copied())
                  .as("copy issued before any read")
                  .isEqualTo(eager && pinnedExpected);
            }
            List<FieldVector> ref = b.device().toVectors(alloc);
            try {
              for (int c = 0; c < cols.size(); c++) {
                FieldVector h = b.columns().get(c).host();
                FieldVector r = ref.get(c);
                assertThat(h.getClass()).isEqualTo(r.getClass());
                assertThat(h.getValueCount()).isEqualTo(r.getValueCount());
                assertThat(h.getNullCount())
                    .as(cols.get(c).name() + " nulls")
                    .isEqualTo(r.getNullCount());
                for (int i = 0; i < r.getValueCount(); i++) {
                  Object want = r.getObject(i);
                  Object got = h.getObject(i);
                  if (want instanceof byte[] w)
                    assertThat((byte[]) got).as(cols.get(c).name() + " row " + i).isEqualTo(w);
                  else assertThat(got).as(cols.get(c).name() + " row " + i).isEqualTo(want);
                }
                assertThat(b.columns().get(c).copied()).isTrue();
              }
            } finally {
              ref.forEach(FieldVector::close);
            }
            assertThat(b.hostPinned()).as("host copy in pinned memory").isEqualTo(pinnedExpected);
            if (b.hostPinned()) {
              assertThat(g.pinnedHostMemory().inUseBytes())
                  .isPositive()
                  .isLessThanOrEqualTo(g.pinnedHostMemory().heldBytes());
            } else {
              assertThat(g.pinnedHostMemory().inUseBytes()).isZero();
            }
          }
          assertThat(g.pinnedHostMemory().inUseBytes())
              .as("pinned buffer given back with the batch")
              .isZero();
          assertThat(g.pinnedHostMemory().heldBytes()).isLessThanOrEqualTo(bound);
        }
        if (pass == 0) heldAfterFirst = g.pinnedHostMemory().heldBytes();
        else
          assertThat(g.pinnedHostMemory().heldBytes())
              .as("pinned buffers reused, none added")
              .isEqualTo(heldAfterFirst);
      }
      assertThat(alloc.getAllocatedMemory()).as("Arrow memory of the views released").isZero();
    } finally {
      g.close(); // the device stays: the runtime owns it
      alloc.close();
    }
    assertThat(g.pinnedHostMemory().heldBytes())
        .as("pinned buffers freed with the decoder")
        .isZero();
    assertThat(DeviceBuffer.liveBytes())
        .as("device memory freed with the decoder")
        .isEqualTo(liveBefore);
  }
}
