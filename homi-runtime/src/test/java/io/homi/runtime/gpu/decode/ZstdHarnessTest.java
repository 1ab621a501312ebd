package io.homi.runtime.gpu.decode;

import static io.homi.runtime.gpu.decode.ZstdCases.jni;
import static io.homi.runtime.gpu.decode.ZstdCases.jniError;
import static org.assertj.core.api.Assertions.assertThat;

import io.homi.runtime.gpu.decode.ZstdCases.Case;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The GPU's ZSTD decoder without a GPU: native/src/cuda/decode_zstd.cuh (the very source the
 * homi_dec_zstd kernel is built from) compiled by g++ with AddressSanitizer and UBSan into
 * native/src/host/zstd_harness.cpp, checked against zstd-jni (the CPU decoder's codec) on every
 * ZSTD page of parquet-testing and of parquet-java files, on frames of levels 1..19 with short and
 * long windows, and on hostile frames: every output equals zstd-jni's or is a clean error, and the
 * sanitizers report nothing. Skipped, saying why, where no g++ is installed.
 */
class ZstdHarnessTest {
  @TempDir static Path work;
  private static Path harness;
  private static boolean sanitized;
  private static Path tsanHarness;
  private static String tsanWhy;

  @BeforeAll
  static void compile() throws Exception {
    Path src = Path.of("..", "native", "src", "host", "zstd_harness.cpp").toAbsolutePath();
    assertThat(src).exists();
    String gxx = findCompiler();
    Assumptions.assumeTrue(
        gxx != null, "no g++ / c++ on PATH: the host harness of decode_zstd.cuh cannot be built");
    harness = work.resolve("zstd_harness");
    List<String> base =
        List.of(gxx, "-std=c++20", "-O1", "-g", "-Wall", "-Wextra", "-Werror", "-o");
    List<String> san = new ArrayList<>(base.subList(0, base.size() - 1));
    san.addAll(
        List.of(
            "-fsanitize=address,undefined",
            "-fno-sanitize-recover=all",
            "-fno-omit-frame-pointer"));
    san.add("-o");
    san.add(harness.toString());
    san.add(src.toString());
    Proc p = exec(san, null);
    sanitized = p.rc == 0;
    if (!sanitized) {
      // a compiler without libasan / libubsan still checks the outputs, without the sanitizers
      System.out.println(
          "[ZstdHarnessTest] building without -fsanitize (" + p.err.strip() + "); outputs only");
      List<String> plain = new ArrayList<>(base);
      plain.add(harness.toString());
      plain.add(src.toString());
      Proc q = exec(plain, null);
      assertThat(q.rc).as("g++ of zstd_harness.cpp: " + q.err).isZero();
    }
    // the same harness under ThreadSanitizer, for the 32-lane (warp kernel) decode
    Path t = work.resolve("zstd_harness_tsan");
    List<String> tsan = new ArrayList<>(base.subList(0, base.size() - 1));
    tsan.addAll(List.of("-fsanitize=thread", "-o", t.toString(), src.toString()));
    Proc r = exec(tsan, null);
    if (r.rc == 0) tsanHarness = t;
    else tsanWhy = "g++ -fsanitize=thread failed: " + r.err.strip();
  }

  private static String findCompiler() {
    for (String c : List.of("g++", "c++")) {
      try {
        if (exec(List.of(c, "--version"), null).rc == 0) return c;
      } catch (IOException | InterruptedException e) {
        // not installed: try the next name
      }
    }
    return null;
  }

  /** The harness's answer: reason 0 and the bytes, or a reason code and the input offset. */
  record Result(int reason, int at, byte[] out) {}

  private static List<Result> decode(List<Case> cases) throws Exception {
    return decode(cases, harness);
  }

  /** Runs {@code binary} (plus {@code args} before the files) over {@code cases}. */
  private static List<Result> decode(List<Case> cases, Path binary, String... args)
      throws Exception {
    Path in = Files.createTempFile(work, "in", ".bin");
    Path out = Files.createTempFile(work, "out", ".bin");
    try (DataOutputStream o = new DataOutputStream(Files.newOutputStream(in))) {
      for (Case c : cases) {
        o.writeInt(Integer.reverseBytes(c.frame().length));
        o.writeInt(Integer.reverseBytes(c.cap()));
        o.write(c.frame());
      }
    }
    List<String> cmd = new ArrayList<>(List.of(binary.toString()));
    cmd.addAll(List.of(args));
    cmd.addAll(List.of(in.toString(), out.toString()));
    Proc p = exec(cmd, null);
    assertThat(p.err)
        .doesNotContain("AddressSanitizer")
        .doesNotContain("ThreadSanitizer")
        .doesNotContain("runtime error");
    assertThat(p.rc).as("zstd_harness exit status; stderr: " + p.err).isZero();
    ByteBuffer b;
    try (FileChannel ch = FileChannel.open(out)) {
      b = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size()).order(ByteOrder.LITTLE_ENDIAN);
    }
    List<Result> rs = new ArrayList<>();
    for (Case c : cases) {
      int reason = b.getInt(), at = b.getInt();
      byte[] bytes = null;
      if (reason == 0) {
        bytes = new byte[c.cap()];
        b.get(bytes);
      }
      rs.add(new Result(reason, at, bytes));
    }
    assertThat(b.remaining()).as("harness output fully consumed").isZero();
    Files.delete(in);
    Files.delete(out);
    return rs;
  }

  /** Every case decodes, equal to zstd-jni. */
  private static void assertAllEqual(List<Case> cases) throws Exception {
    List<Result> rs = decode(cases);
    for (int i = 0; i < cases.size(); i++) {
      Case c = cases.get(i);
      byte[] want = jni(c);
      assertThat(want).as("zstd-jni decodes " + c.name()).isNotNull();
      Result r = rs.get(i);
      assertThat(r.reason)
          .as(c.name() + ": GPU decoder refused it (reason " + r.reason + " at " + r.at + ")")
          .isZero();
      assertThat(Arrays.equals(r.out, want)).as(c.name() + ": output equals zstd-jni's").isTrue();
    }
  }

  @Test
  void everyZstdPageOfTheCorpusEqualsZstdJni() throws Exception {
    ZstdCases.Corpus corpus = ZstdCases.corpus(work);
    List<Case> cases = corpus.cases();
    List<String> zstdFiles = corpus.files();
    System.out.println(
        "[ZstdHarnessTest] "
            + cases.size()
            + " ZSTD pages of "
            + zstdFiles.size()
            + " files: "
            + zstdFiles);
    assertThat(zstdFiles).hasSizeGreaterThanOrEqualTo(7);
    assertThat(cases.size()).isGreaterThan(100);
    assertAllEqual(cases);
  }

  @Test
  void framesOfEveryLevelAndWindowEqualZstdJni() throws Exception {
    List<Case> cases = ZstdCases.frames();
    assertAllEqual(cases);
  }

  @Test
  void hostileFramesFailCleanlyOrEqualZstdJni() throws Exception {
    ZstdCases.Hostile h = ZstdCases.hostile();
    List<Case> mustFail = h.mustFail();
    List<Case> mutants = h.mutants();
    List<Result> fails = decode(mustFail);
    for (int i = 0; i < mustFail.size(); i++) {
      assertThat(fails.get(i).reason).as(mustFail.get(i).name() + " must be refused").isPositive();
    }
    List<Result> ms = decode(mutants);
    int refused = 0, equal = 0;
    List<String> diverged = new ArrayList<>();
    for (int i = 0; i < mutants.size(); i++) {
      Case c = mutants.get(i);
      Result res = ms.get(i);
      if (res.reason != 0) {
        refused++;
        continue;
      }
      // accepted: zstd-jni must accept it too, with the same bytes (a checksum is never written
      // here, so zstd-jni has nothing more than the frame itself to refuse it on)
      byte[] want = jni(c);
      if (want == null) {
        diverged.add(c.name() + ": accepted, zstd-jni refuses (" + jniError(c) + ")");
      } else if (!Arrays.equals(res.out, want)) {
        diverged.add(c.name() + ": output differs from zstd-jni's");
      } else {
        equal++;
      }
    }
    assertThat(diverged).isEmpty();
    System.out.println(
        "[ZstdHarnessTest] hostile: "
            + mustFail.size()
            + " truncated / mis-sized refused; "
            + mutants.size()
            + " mutants: "
            + refused
            + " refused, "
            + equal
            + " equal to zstd-jni; sanitizers "
            + (sanitized ? "on" : "off"));
    assertThat(refused).isGreaterThan(mutants.size() / 4);
  }

  /**
   * The warp kernel's lane logic on the host: 32 threads decode each page as one Team (a barrier
   * for each __syncwarp, a shared slot for each broadcast and vote) under ThreadSanitizer, on the
   * corpus pages, frames and hostile cases up to 20 KB (the simulation is slow): the same result as
   * one thread, byte for byte, error for error, and no data race between the lanes.
   */
  @Test
  void thirtyTwoLanesDecodeAsOneThreadWithoutRaces() throws Exception {
    Assumptions.assumeTrue(tsanHarness != null, () -> tsanWhy);
    List<Case> cases = new ArrayList<>();
    ZstdCases.corpus(work).cases().stream().filter(c -> c.cap() <= 20_000).forEach(cases::add);
    ZstdCases.frames().stream().filter(c -> c.cap() <= 20_000).forEach(cases::add);
    ZstdCases.Hostile h = ZstdCases.hostile();
    h.mustFail().stream().filter(c -> c.cap() <= 20_000).limit(100).forEach(cases::add);
    h.mutants().stream().filter(c -> c.cap() <= 20_000).limit(400).forEach(cases::add);
    List<Result> one = decode(cases);
    List<Result> lanes = decode(cases, tsanHarness, "--team", "32");
    int ok = 0;
    for (int i = 0; i < cases.size(); i++) {
      Result a = one.get(i), b = lanes.get(i);
      assertThat(b.reason()).as(cases.get(i).name() + ": reason").isEqualTo(a.reason());
      assertThat(b.at()).as(cases.get(i).name() + ": offset").isEqualTo(a.at());
      assertThat(Arrays.equals(a.out(), b.out())).as(cases.get(i).name() + ": bytes").isTrue();
      if (a.reason() == 0) ok++;
    }
    System.out.println(
        "[ZstdHarnessTest] 32 lanes under ThreadSanitizer: "
            + cases.size()
            + " cases ("
            + ok
            + " decoded) as one thread, no race");
    assertThat(ok).isGreaterThan(500);
  }

  private record Proc(int rc, String err) {}

  private static Proc exec(List<String> cmd, Path dir) throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(false);
    if (dir != null) pb.directory(dir.toFile());
    pb.environment().put("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0:exitcode=99");
    pb.environment().put("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1");
    pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
    Process p = pb.start();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    Thread t =
        new Thread(
            () -> {
              try {
                p.getErrorStream().transferTo(err);
              } catch (IOException e) {
                // the process went away: what was read is reported
              }
            });
    t.start();
    if (!p.waitFor(300, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError(cmd + " ran over 300 s (a decoder loop without a bound?)");
    }
    t.join();
    return new Proc(p.exitValue(), err.toString(StandardCharsets.UTF_8));
  }
}
