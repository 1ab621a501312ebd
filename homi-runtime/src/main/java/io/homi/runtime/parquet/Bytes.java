package io.homi.runtime.parquet;

import java.nio.ByteBuffer;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.vector.BaseVariableWidthVector;

/**
 * Copies from ByteBuffers into Arrow. Heap buffers go through their backing array: Arrow 18's
 * ArrowBuf.setBytes(long, ByteBuffer, int, int) copies heap buffers of 8+ bytes wrongly (found by
 * ConformanceIT on dictionary strings), and the array copy is one memcpy anyway.
 */
final class Bytes {
  private Bytes() {}

  static void copy(ArrowBuf out, long at, ByteBuffer src, int srcIndex, int len) {
    if (src.hasArray()) out.setBytes(at, src.array(), src.arrayOffset() + srcIndex, len);
    else out.setBytes(at, src, srcIndex, len);
  }

  static void setValue(
      BaseVariableWidthVector v, int index, ByteBuffer src, int srcIndex, int len) {
    if (src.hasArray()) v.setSafe(index, src.array(), src.arrayOffset() + srcIndex, len);
    else v.setSafe(index, src, srcIndex, len);
  }
}
