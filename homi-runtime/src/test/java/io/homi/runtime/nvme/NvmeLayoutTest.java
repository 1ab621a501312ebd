package io.homi.runtime.nvme;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The Java SQE/CQE offsets against the GPU queue client's (native/src/cuda): the dwords {@code
 * write_read_sqe} stores each field in, the entry sizes of {@code QueueView}, and the completion
 * dword the kernel polls. A field moved on one side only fails here.
 */
class NvmeLayoutTest {
  private static final Path CUDA = Path.of("..", "native", "src", "cuda");

  @Test
  void submissionEntryOffsetsMatchTheGpuQueueClient() throws IOException {
    String cuh = Files.readString(CUDA.resolve("homi_queue_client.cuh"));
    Map<String, Integer> dword = new HashMap<>(); // what write_read_sqe stores, by dword index
    Matcher m = Pattern.compile("e\\[(\\d+)\\] = ([^;]+);").matcher(body(cuh, "write_read_sqe"));
    while (m.find()) dword.put(m.group(2).trim(), Integer.parseInt(m.group(1)));
    assertThat(dword).as("write_read_sqe's stores").isNotEmpty();
    assertThat(4 * dword.get("OPC_READ | (PSDT_SGL << 14) | (cid << 16)"))
        .isEqualTo(NvmeCommand.DW0);
    assertThat(4 * dword.get("nsid")).isEqualTo(NvmeCommand.NSID);
    assertThat(4 * dword.get("(uint32_t)host_addr")).isEqualTo(NvmeCommand.DPTR);
    assertThat(4 * dword.get("(uint32_t)(host_addr >> 32)")).isEqualTo(NvmeCommand.DPTR + 4);
    assertThat(4 * dword.get("bytes")).isEqualTo(NvmeCommand.SGL_LENGTH);
    assertThat(4 * dword.get("0") + 3)
        .as("the SGL id: top byte of the dword after the length")
        .isEqualTo(NvmeCommand.SGL_ID);
    assertThat(4 * dword.get("(uint32_t)slba")).isEqualTo(NvmeCommand.SLBA);
    assertThat(4 * dword.get("(uint32_t)(slba >> 32)")).isEqualTo(NvmeCommand.SLBA + 4);
    assertThat(4 * dword.get("nlb0 & 0xffff")).isEqualTo(NvmeCommand.NLB);
    assertThat(constant(cuh, "OPC_READ")).isEqualTo(NvmeCommand.OPC_READ);
    assertThat(constant(cuh, "PSDT_SGL")).isEqualTo(NvmeCommand.PSDT_SGL);
    assertThat(cuh)
        .contains(
            "sqe(uint32_t slot) const { return (volatile uint32_t*)(base + slot * "
                + NvmeCommand.SIZE
                + "ull); }")
        .contains("for (int i = 1; i < " + NvmeCommand.SIZE / 4 + "; i++) e[i] = 0;");

    // What the GPU writes, the Java side reads back field by field.
    ByteBuffer ring = ByteBuffer.allocate(2 * NvmeCommand.SIZE).order(ByteOrder.LITTLE_ENDIAN);
    NvmeCommand.writeReadSgl(ring, 1, 0x1234, 7, 0x1_0000_0002L, 3, 0xdead_beef_0000L, 16384);
    ByteBuffer e = ring.slice(NvmeCommand.SIZE, NvmeCommand.SIZE).order(ByteOrder.LITTLE_ENDIAN);
    assertThat(e.getInt(4 * dword.get("nsid"))).isEqualTo(7);
    assertThat(e.getInt(4 * dword.get("bytes"))).isEqualTo(16384);
    assertThat(e.getLong(4 * dword.get("(uint32_t)slba"))).isEqualTo(0x1_0000_0002L);
    assertThat(e.getLong(4 * dword.get("(uint32_t)host_addr"))).isEqualTo(0xdead_beef_0000L);
    assertThat(e.getInt(0))
        .isEqualTo(NvmeCommand.OPC_READ | (NvmeCommand.PSDT_SGL << 14) | (0x1234 << 16));
  }

  @Test
  void completionEntryOffsetsMatchTheGpuQueueClient() throws IOException {
    String cuh = Files.readString(CUDA.resolve("homi_queue_client.cuh"));
    String cu = Files.readString(CUDA.resolve("homi_kernels.cu"));
    assertThat(cuh)
        .contains(
            "cqe(uint32_t slot) const { return (volatile uint32_t*)(base + cq_off + slot * "
                + NvmeCompletion.SIZE
                + "ull); }");
    Matcher m = Pattern.compile("uint32_t dw3 = c\\[(\\d+)\\];").matcher(cu);
    assertThat(m.find()).as("the kernel polls DW3").isTrue();
    assertThat(4 * Integer.parseInt(m.group(1))).isEqualTo(NvmeCompletion.DW3);
    assertThat(cu).contains("(dw3 >> 16) & 1").contains("dw3 & 0xffff").contains("dw3 >> 17");

    ByteBuffer ring = ByteBuffer.allocate(NvmeCompletion.SIZE).order(ByteOrder.LITTLE_ENDIAN);
    NvmeCompletion.post(ring, 0, 4096, 5, 1, 0x4321, true, NvmeStatus.SUCCESS);
    int dw3 = ring.getInt(NvmeCompletion.DW3);
    assertThat(dw3 & 0xffff).isEqualTo(0x4321);
    assertThat((dw3 >> 16) & 1).isEqualTo(1);
    assertThat(dw3 >>> 17).isZero();
    assertThat(ring.getInt(NvmeCompletion.DW0)).isEqualTo(4096);
  }

  private static String body(String src, String function) {
    int at = src.indexOf(function + "(");
    assertThat(at).as(function + " in the CUDA source").isNotNegative();
    int open = src.indexOf('{', at);
    int depth = 0;
    for (int i = open; i < src.length(); i++) {
      if (src.charAt(i) == '{') depth++;
      if (src.charAt(i) == '}' && --depth == 0) return src.substring(open, i + 1);
    }
    throw new AssertionError("unterminated " + function);
  }

  private static int constant(String src, String name) {
    Matcher m =
        Pattern.compile("constexpr uint32_t " + name + " = (0x)?([0-9a-fA-F]+);").matcher(src);
    assertThat(m.find()).as(name).isTrue();
    return Integer.parseInt(m.group(2), m.group(1) == null ? 10 : 16);
  }
}
