package io.homi.runtime.gpu.decode;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BaseVariableWidthVector;
import org.apache.arrow.vector.BitVector;
import org.apache.arrow.vector.DecimalVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VarCharVector;
import org.junit.jupiter.api.Test;

/**
 * The Arrow side of the GPU host copies, on the CPU: vectors that are views of one foreign (there:
 * pinned) buffer laid out as {@link HostMirror} lays out a row group's columns give the values of
 * the vectors the buffers came from (nulls, no nulls, all null, bits, decimals, strings), and the
 * buffer is released exactly once, when the last view and the mirror's own reference are closed,
 * with the allocator back at zero.
 */
class HostMirrorViewTest {
  private static final int N = 1000;

  @Test
  void viewsOfOneBufferEqualTheirSourcesAndReleaseItOnce() {
    try (BufferAllocator src = new RootAllocator();
        BufferAllocator alloc = new RootAllocator()) {
      List<FieldVector> sources = new ArrayList<>();
      IntVector ints = new IntVector("i", src);
      VarCharVector strings = new VarCharVector("s", src);
      VarCharVector allNull = new VarCharVector("n", src);
      BitVector bits = new BitVector("b", src);
      DecimalVector decimals = new DecimalVector("d", src, 18, 2);
      Float8Vector doubles = new Float8Vector("f", src);
      sources.addAll(List.of(ints, strings, allNull, bits, decimals, doubles));
      sources.forEach(
          v -> {
            v.setInitialCapacity(N);
            v.allocateNew();
          });
      for (int i = 0; i < N; i++) {
        if (i % 7 == 0) ints.setNull(i);
        else ints.set(i, i * 3);
        if (i % 5 == 0) strings.setNull(i);
        else strings.setSafe(i, ("v" + i).getBytes(StandardCharsets.UTF_8));
        allNull.setNull(i);
        bits.set(i, i % 3 == 0 ? 1 : 0);
        decimals.set(i, BigDecimal.valueOf(i * 101L, 2));
        doubles.set(i, i / 7.0);
      }
      sources.forEach(v -> v.setValueCount(N));

      // the mirror's layout: per column validity, [offsets,] values, each 64-byte aligned
      List<long[]> offsets = new ArrayList<>();
      List<long[]> bytes = new ArrayList<>();
      long at = 0;
      for (FieldVector v : sources) {
        long values =
            v instanceof BaseVariableWidthVector b
                ? b.getOffsetBuffer().getInt(4L * N)
                : v instanceof BitVector
                    ? (N + 7) / 8
                    : (long) N * ((org.apache.arrow.vector.BaseFixedWidthVector) v).getTypeWidth();
        long[] b =
            v instanceof BaseVariableWidthVector
                ? new long[] {(N + 7) / 8, (N + 1) * 4L, values}
                : new long[] {(N + 7) / 8, values};
        long[] o = new long[b.length];
        for (int k = 0; k < b.length; k++) {
          o[k] = at;
          at += (b[k] + 63) / 64 * 64;
        }
        offsets.add(o);
        bytes.add(b);
      }
      try (ArrowBuf region = src.buffer(at)) {
        for (int c = 0; c < sources.size(); c++) {
          FieldVector v = sources.get(c);
          List<ArrowBuf> bufs =
              v instanceof BaseVariableWidthVector b
                  ? List.of(b.getValidityBuffer(), b.getOffsetBuffer(), b.getDataBuffer())
                  : List.of(v.getValidityBuffer(), v.getDataBuffer());
          for (int k = 0; k < bufs.size(); k++) {
            if (bytes.get(c)[k] > 0)
              region.setBytes(offsets.get(c)[k], bufs.get(k), 0, bytes.get(c)[k]);
          }
        }
        AtomicInteger released = new AtomicInteger();
        ArrowBuf whole =
            HostMirror.wrap(alloc, region.memoryAddress(), at, released::incrementAndGet);
        assertThat(alloc.getAllocatedMemory())
            .as("the foreign buffer is counted")
            .isGreaterThanOrEqualTo(at);
        List<FieldVector> views = new ArrayList<>();
        for (int c = 0; c < sources.size(); c++) {
          FieldVector s = sources.get(c);
          views.add(
              HostMirror.view(
                  s.getField(), whole, offsets.get(c), bytes.get(c), N, s.getNullCount(), alloc));
        }
        whole.close(); // the mirror lets go first: the views keep the buffer
        assertThat(released).hasValue(0);
        for (int c = 0; c < sources.size(); c++) {
          FieldVector s = sources.get(c);
          FieldVector v = views.get(c);
          assertThat(v.getClass()).isEqualTo(s.getClass());
          assertThat(v.getValueCount()).isEqualTo(N);
          assertThat(v.getNullCount()).as(s.getName() + " nulls").isEqualTo(s.getNullCount());
          for (int i = 0; i < N; i++)
            assertThat(v.getObject(i)).as(s.getName() + " row " + i).isEqualTo(s.getObject(i));
        }
        assertThat(allNull.getNullCount()).isEqualTo(N);
        for (int c = 0; c < views.size() - 1; c++) views.get(c).close();
        assertThat(released).as("one view still open").hasValue(0);
        views.get(views.size() - 1).close();
        assertThat(released).as("released once, with the last view").hasValue(1);
        assertThat(alloc.getAllocatedMemory()).isZero();
      } finally {
        sources.forEach(FieldVector::close);
      }
    }
  }
}
