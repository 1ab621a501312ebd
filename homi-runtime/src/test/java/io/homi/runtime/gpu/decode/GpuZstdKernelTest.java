package io.homi.runtime.gpu.decode;

import static io.homi.runtime.gpu.decode.ZstdCases.jni;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import io.homi.runtime.gpu.CudaDriver;
import io.homi.runtime.gpu.DeviceBuffer;
import io.homi.runtime.gpu.GpuDevice;
import io.homi.runtime.gpu.GpuProbe;
import io.homi.runtime.gpu.GpuTests;
import io.homi.runtime.gpu.decode.ZstdCases.Case;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The homi_dec_zstd kernel itself on ZstdHarnessTest's frames (the same {@link ZstdCases}): every
 * ZSTD page of the corpus and the frames of every level and window decode in one launch equal to
 * zstd-jni; every truncated or mis-sized frame fails through the status word (E_ZSTD); every mutant
 * fails so or decodes equal to zstd-jni. Each page's output is followed by canary bytes that must
 * survive, and the scratch starts stale (0xA5), as after another decode. Run it under {@code
 * compute-sanitizer --tool memcheck} for the device-side bounds proof. Tagged {@code gpu}.
 */
@Tag("gpu")
class GpuZstdKernelTest {
  private static final int E_ZSTD = 19;
  private static final int CANARY = 64;
  private static final byte CANARY_BYTE = (byte) 0xA5;
  @TempDir static Path work;
  private static GpuDevice gpu;
  private static DecodeKernels kernels;

  @BeforeAll
  static void open() {
    if (!GpuProbe.probe().usable()) return;
    gpu = GpuDevice.open(GpuProbe.defaultOrdinal());
    gpu.bind();
    if (io.homi.runtime.gpu.Kernels.fatbin() != null) kernels = DecodeKernels.load();
  }

  @AfterAll
  static void close() {
    if (kernels != null) kernels.close();
    if (gpu != null) gpu.close();
  }

  /**
   * What the kernel left: the status words, and per page its output and whether its canary held.
   */
  private record Launch(
      int code, int page, int detail, List<byte[]> outs, List<Boolean> canaries) {}

  /** Decodes {@code cases} as one page table in one launch of {@code kernel}. */
  private static Launch launch(String kernel, List<Case> cases) {
    long[] in = new long[cases.size()];
    long[] out = new long[cases.size()];
    long inBytes = 0, outBytes = 0;
    for (int i = 0; i < cases.size(); i++) {
      in[i] = inBytes;
      out[i] = outBytes;
      inBytes += align(cases.get(i).frame().length);
      outBytes += align(cases.get(i).cap() + CANARY);
    }
    int workers = Math.min(cases.size(), GpuDecoder.ZSTD_MAX_WORKERS);
    int lanes = kernel.endsWith("_warp") ? 32 : 1;
    long scratch = (long) workers * GpuDecoder.ZSTD_WORK_BYTES;
    try (DeviceBuffer src = new DeviceBuffer(Math.max(16, inBytes));
        DeviceBuffer dst = new DeviceBuffer(Math.max(16, outBytes));
        DeviceBuffer pages = new DeviceBuffer((long) cases.size() * PageEntry.BYTES);
        DeviceBuffer wk = new DeviceBuffer(scratch + 16);
        DeviceBuffer status = new DeviceBuffer(16)) {
      Memory host = new Memory(Math.max(16, Math.max(inBytes, outBytes)));
      for (int i = 0; i < cases.size(); i++)
        host.write(in[i], cases.get(i).frame(), 0, cases.get(i).frame().length);
      CudaDriver.copyHtoD(src.address(), Pointer.nativeValue(host), Math.max(16, inBytes));
      CudaDriver.memsetD8(dst.address(), CANARY_BYTE, Math.max(16, outBytes));
      CudaDriver.memsetD8(wk.address(), CANARY_BYTE, scratch); // stale scratch
      CudaDriver.memsetD8(wk.address() + scratch, (byte) 0, 16); // the page counter
      CudaDriver.memsetD8(status.address(), (byte) 0, 16);
      ByteBuffer table =
          ByteBuffer.allocateDirect(cases.size() * PageEntry.BYTES).order(ByteOrder.LITTLE_ENDIAN);
      for (int i = 0; i < cases.size(); i++) {
        PageEntry e = new PageEntry();
        e.srcOff = in[i];
        e.where = PageEntry.Where.ARENA;
        e.dataOff = out[i];
        e.compLen = cases.get(i).frame().length;
        e.dataLen = cases.get(i).cap();
        e.flags = PageEntry.ZSTD;
        e.write(table, src.address(), dst.address(), 0);
      }
      table.flip();
      CudaDriver.copyHtoD(
          pages.address(),
          Pointer.nativeValue(com.sun.jna.Native.getDirectBufferPointer(table)),
          table.capacity());
      kernels.launch(
          kernel,
          (workers * lanes + 63) / 64,
          64,
          0L,
          pages.address(),
          cases.size(),
          wk.address(),
          workers,
          wk.address() + scratch,
          status.address());
      CudaDriver.synchronize();
      Memory words = new Memory(16);
      CudaDriver.copyDtoH(Pointer.nativeValue(words), status.address(), 16);
      CudaDriver.copyDtoH(Pointer.nativeValue(host), dst.address(), Math.max(16, outBytes));
      List<byte[]> outs = new ArrayList<>();
      List<Boolean> canaries = new ArrayList<>();
      for (int i = 0; i < cases.size(); i++) {
        int cap = cases.get(i).cap();
        outs.add(host.getByteArray(out[i], cap));
        byte[] tail = host.getByteArray(out[i] + cap, CANARY);
        boolean intact = true;
        for (byte b : tail) intact &= b == CANARY_BYTE;
        canaries.add(intact);
      }
      return new Launch(words.getInt(0), words.getInt(4), words.getInt(8), outs, canaries);
    }
  }

  private static long align(long n) {
    return (n + 15) / 16 * 16;
  }

  @ParameterizedTest
  @ValueSource(strings = {"homi_dec_zstd", "homi_dec_zstd_warp"})
  void corpusPagesAndFramesDecodeInOneLaunchEqualToZstdJni(String kernel) throws Exception {
    GpuTests.assumeGpu();
    List<Case> cases = new ArrayList<>(ZstdCases.corpus(work).cases());
    cases.addAll(ZstdCases.frames());
    Launch l = launch(kernel, cases);
    assertThat(l.code())
        .as("status (page " + l.page() + ", reason " + (l.detail() & 31) + ")")
        .isZero();
    List<String> bad = new ArrayList<>();
    for (int i = 0; i < cases.size(); i++) {
      Case c = cases.get(i);
      if (!l.canaries().get(i)) bad.add(c.name() + ": wrote past its declared size");
      if (!Arrays.equals(l.outs().get(i), jni(c))) bad.add(c.name() + ": differs from zstd-jni");
    }
    System.out.println(
        "GPU zstd kernel "
            + kernel
            + ": "
            + cases.size()
            + " pages in one launch, "
            + bad.size()
            + " bad");
    assertThat(bad).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"homi_dec_zstd", "homi_dec_zstd_warp"})
  void hostileFramesFailThroughTheStatusWordOrEqualZstdJni(String kernel) {
    GpuTests.assumeGpu();
    ZstdCases.Hostile h = ZstdCases.hostile();
    List<String> bad = new ArrayList<>();
    for (Case c : h.mustFail()) {
      Launch l = launch(kernel, List.of(c));
      if (l.code() != E_ZSTD) bad.add(c.name() + ": status " + l.code() + ", not E_ZSTD");
      if (!l.canaries().get(0)) bad.add(c.name() + ": wrote past its declared size");
    }
    int refused = 0, equal = 0;
    for (Case c : h.mutants()) {
      Launch l = launch(kernel, List.of(c));
      if (!l.canaries().get(0)) bad.add(c.name() + ": wrote past its declared size");
      if (l.code() == E_ZSTD) {
        refused++;
      } else if (l.code() != 0) {
        bad.add(c.name() + ": status " + l.code());
      } else if (!Arrays.equals(l.outs().get(0), jni(c))) {
        bad.add(c.name() + ": accepted, differs from zstd-jni (or zstd-jni refuses it)");
      } else {
        equal++;
      }
    }
    System.out.println(
        "GPU zstd kernel "
            + kernel
            + " hostile: "
            + h.mustFail().size()
            + " truncated / mis-sized, "
            + h.mutants().size()
            + " mutants ("
            + refused
            + " refused, "
            + equal
            + " equal to zstd-jni), "
            + bad.size()
            + " bad");
    assertThat(bad).isEmpty();
  }
}
