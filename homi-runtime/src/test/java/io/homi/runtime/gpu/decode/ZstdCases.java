package io.homi.runtime.gpu.decode;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import io.homi.runtime.io.ByteRange;
import io.homi.runtime.parquet.ChunkBounds;
import io.homi.runtime.parquet.PageWalker;
import io.homi.runtime.parquet.ParquetFooter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.apache.parquet.format.ColumnChunk;
import org.apache.parquet.format.ColumnMetaData;
import org.apache.parquet.format.CompressionCodec;
import org.apache.parquet.format.FileMetaData;
import org.apache.parquet.format.PageHeader;
import org.apache.parquet.format.PageType;
import org.apache.parquet.format.RowGroup;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;

/**
 * The ZSTD frames both checks of decode_zstd.cuh decode: ZstdHarnessTest (the host build, under
 * AddressSanitizer) and GpuZstdKernelTest (the homi_dec_zstd kernel). zstd-jni is the reference.
 */
final class ZstdCases {
  private ZstdCases() {}

  /** One frame to decode into exactly {@code cap} bytes. */
  record Case(String name, byte[] frame, int cap) {}

  /** ZSTD pages and the files they came from ("name (pages)"). */
  record Corpus(List<Case> cases, List<String> files) {}

  /** Frames that must be refused (truncated, mis-sized), and mutants (refused or equal). */
  record Hostile(List<Case> mustFail, List<Case> mutants) {}

  /** zstd-jni's answer: the bytes when it decodes to exactly cap bytes, else null. */
  static byte[] jni(Case c) {
    byte[] dst = new byte[c.cap];
    try {
      long n = Zstd.decompressByteArray(dst, 0, c.cap, c.frame, 0, c.frame.length);
      return Zstd.isError(n) || n != c.cap ? null : dst;
    } catch (com.github.luben.zstd.ZstdException e) {
      return null;
    }
  }

  /** zstd-jni's reason for refusing a case. */
  static String jniError(Case c) {
    byte[] dst = new byte[c.cap];
    try {
      long n = Zstd.decompressByteArray(dst, 0, c.cap, c.frame, 0, c.frame.length);
      return Zstd.isError(n) ? Zstd.getErrorName(n) : n + " bytes, not " + c.cap;
    } catch (com.github.luben.zstd.ZstdException e) {
      return e.getMessage();
    }
  }

  /**
   * Every ZSTD page of parquet-testing's files and of parquet-java files (v1 and v2, dictionary and
   * values, every type of the GPU path) written into a new directory under {@code workDir}.
   */
  static Corpus corpus(Path workDir) throws Exception {
    Path work = Files.createTempDirectory(workDir, "zstd-files"); // a fresh one per call
    List<Case> cases = new ArrayList<>();
    List<Path> files = new ArrayList<>();
    Path data = parquetTestingData();
    try (Stream<Path> s = Files.list(data)) {
      files.addAll(s.filter(p -> p.toString().endsWith(".parquet")).sorted().toList());
    }
    // parquet-java's own ZSTD pages: v1 and v2, dictionary and values, every type of the GPU path
    for (boolean v2 : new boolean[] {false, true}) {
      files.add(
          DecodeTestFiles.write(
              work.resolve("t" + v2 + ".parquet"),
              20000,
              0.2,
              CompressionCodecName.ZSTD,
              v2,
              true,
              4096,
              256 * 1024,
              7,
              false));
      files.add(
          DecodeTestFiles.writeInts(
              work.resolve("i" + v2 + ".parquet"),
              20000,
              0.1,
              CompressionCodecName.ZSTD,
              v2,
              !v2,
              64 * 1024,
              8));
      files.add(
          DecodeTestFiles.writeStrings(
              work.resolve("s" + v2 + ".parquet"),
              20000,
              0.1,
              CompressionCodecName.ZSTD,
              v2,
              false,
              1 << 20,
              9));
    }
    List<String> zstdFiles = new ArrayList<>();
    for (Path f : files) {
      int before = cases.size();
      zstdPages(f, cases);
      if (cases.size() > before)
        zstdFiles.add(f.getFileName() + " (" + (cases.size() - before) + ")");
    }
    return new Corpus(cases, zstdFiles);
  }

  /**
   * Frames of levels 1 / 3 / 9 / 19 x windows 2^10 / 2^17 / 2^24 (long-distance matching) x
   * checksum, several and skippable frames, RLE literals, a frame without its content size.
   */
  static List<Case> frames() {
    List<Case> cases = new ArrayList<>();
    for (int level : new int[] {1, 3, 9, 19}) {
      for (int windowLog : new int[] {10, 17, 24}) {
        for (boolean checksum : new boolean[] {false, true}) {
          for (var d : samples(level).entrySet()) {
            try (ZstdCompressCtx z = new ZstdCompressCtx()) {
              z.setLevel(level).setWindowLog(windowLog).setChecksum(checksum);
              if (windowLog == 24) z.setLong(24); // long-distance matching: long offsets
              byte[] frame = z.compress(d.getValue());
              cases.add(
                  new Case(
                      d.getKey() + " level " + level + " window 2^" + windowLog,
                      frame,
                      d.getValue().length));
            }
          }
        }
      }
    }
    // several frames in one page, and a skippable frame among them
    byte[] a = samples(3).get("text"), b = samples(3).get("runs");
    byte[] fa = Zstd.compress(a, 3), fb = Zstd.compress(b, 19);
    byte[] skip = new byte[8 + 5];
    ByteBuffer.wrap(skip).order(ByteOrder.LITTLE_ENDIAN).putInt(0x184D2A53).putInt(5);
    cases.add(new Case("two frames", concat(fa, fb), a.length + b.length));
    cases.add(new Case("skippable + frame", concat(skip, fa), a.length));
    // RLE literals (zstd emits them only when every literal of a block is one byte): hand-built
    // frames of one compressed block, literals RLE with a 1- and a 2-byte header, no sequences
    cases.add(new Case("RLE literals, 1-byte header", rleLiterals(31, (byte) 'q'), 31));
    cases.add(new Case("RLE literals, 2-byte header", rleLiterals(4000, (byte) 7), 4000));
    // a frame without its content size (streaming writers)
    try (ZstdCompressCtx z = new ZstdCompressCtx()) {
      z.setLevel(5).setContentSize(false);
      cases.add(new Case("no content size", z.compress(a), a.length));
    }
    return cases;
  }

  /** Truncations, lying sizes and mutants of frames of levels 1 / 9 / 19 (fixed seed). */
  static Hostile hostile() {
    Random r = new Random(20);
    List<Case> valid = new ArrayList<>();
    for (int level : new int[] {1, 9, 19}) {
      for (var d : samples(level).entrySet()) {
        if (d.getValue().length > 200_000) continue; // keeps the mutants' run short
        valid.add(new Case(d.getKey(), Zstd.compress(d.getValue(), level), d.getValue().length));
      }
    }
    List<Case> mustFail = new ArrayList<>();
    List<Case> mutants = new ArrayList<>();
    for (Case v : valid) {
      byte[] f = v.frame;
      // truncations: a frame cut anywhere is incomplete
      for (int i = 0; i < 24; i++) {
        int len = i < 12 ? Math.min(i, f.length - 1) : r.nextInt(f.length);
        mustFail.add(new Case(v.name + " cut at " + len, Arrays.copyOf(f, len), v.cap));
      }
      // lying sizes: the page declares more or fewer bytes than the frame holds
      for (int cap : new int[] {0, v.cap - 1, v.cap + 1, v.cap * 2 + 7}) {
        if (cap >= 0 && cap != v.cap) mustFail.add(new Case(v.name + " cap " + cap, f, cap));
      }
      // bit flips, byte smashes, and a header or table field set to its extremes
      for (int i = 0; i < 300; i++) {
        byte[] m = f.clone();
        int flips = 1 + r.nextInt(i % 3 == 0 ? 8 : 1);
        for (int k = 0; k < flips; k++) {
          int at = i % 5 == 0 ? r.nextInt(Math.min(m.length, 32)) : r.nextInt(m.length);
          if (i % 7 == 0) m[at] = (byte) (r.nextBoolean() ? 0xff : 0);
          else m[at] ^= (byte) (1 << r.nextInt(8));
        }
        mutants.add(new Case(v.name + " mutant " + i, m, v.cap));
      }
      // random bytes behind a valid magic and header
      byte[] junk = new byte[64 + r.nextInt(4096)];
      r.nextBytes(junk);
      System.arraycopy(f, 0, junk, 0, Math.min(6, f.length));
      mutants.add(new Case(v.name + " junk", junk, v.cap));
    }
    return new Hostile(mustFail, mutants);
  }

  /** Data to compress: text, incompressible bytes, long runs, tiny and empty inputs. */
  private static java.util.Map<String, byte[]> samples(long seed) {
    Random r = new Random(seed);
    var m = new java.util.LinkedHashMap<String, byte[]>();
    StringBuilder sb = new StringBuilder();
    String[] words = {"alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta"};
    while (sb.length() < 300_000)
      sb.append(words[r.nextInt(words.length)]).append(r.nextInt(1000)).append(' ');
    m.put("text", sb.toString().getBytes(StandardCharsets.UTF_8));
    byte[] rnd = new byte[70_000];
    r.nextBytes(rnd);
    m.put("random", rnd);
    byte[] runs = new byte[150_000];
    for (int i = 0; i < runs.length; ) {
      int n = 1 + r.nextInt(300);
      byte v = (byte) r.nextInt(4);
      for (int k = 0; k < n && i < runs.length; k++) runs[i++] = v;
    }
    m.put("runs", runs);
    byte[] ints = new byte[4 * 40_000]; // little-endian ints with small deltas, as Parquet pages
    ByteBuffer ib = ByteBuffer.wrap(ints).order(ByteOrder.LITTLE_ENDIAN);
    int x = 0;
    while (ib.hasRemaining()) ib.putInt(x += r.nextInt(5));
    m.put("ints", ints);
    m.put("tiny", "a".getBytes(StandardCharsets.UTF_8));
    m.put("empty", new byte[0]);
    return m;
  }

  /**
   * A single-segment frame of {@code n} (< 4096) bytes {@code v}: one compressed block whose
   * literals section is RLE and whose sequences section is empty (RFC 8878 3.1.1.3).
   */
  private static byte[] rleLiterals(int n, byte v) {
    ByteBuffer b = ByteBuffer.allocate(32).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(0xFD2FB528);
    if (n < 256) b.put((byte) 0x20).put((byte) n); // single segment, 1-byte content size
    else b.put((byte) 0x60).putShort((short) (n - 256)); // single segment, 2 bytes + 256
    byte[] lit =
        n < 32
            ? new byte[] {(byte) (1 | n << 3), v}
            : new byte[] {(byte) (1 | 1 << 2 | (n & 15) << 4), (byte) (n >> 4), v};
    int size = lit.length + 1;
    int bh = 1 | 2 << 1 | size << 3; // last block, compressed
    b.put((byte) bh).put((byte) (bh >> 8)).put((byte) (bh >> 16));
    b.put(lit).put((byte) 0); // no sequences
    return Arrays.copyOf(b.array(), b.position());
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] c = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, c, a.length, b.length);
    return c;
  }

  /** Adds every ZSTD-compressed page of {@code f} (v2: the values after the level bytes). */
  private static void zstdPages(Path f, List<Case> out) throws Exception {
    FileMetaData md;
    try {
      md = ParquetFooter.read(f).metadata();
    } catch (Exception e) {
      return; // encrypted or deliberately broken files of parquet-testing: no pages to take
    }
    long size = Files.size(f);
    try (FileChannel ch = FileChannel.open(f)) {
      for (int g = 0; g < md.getRow_groups().size(); g++) {
        RowGroup rg = md.getRow_groups().get(g);
        for (ColumnChunk cc : rg.getColumns()) {
          ColumnMetaData cm;
          ByteRange range;
          try {
            cm = ChunkBounds.metadata(f.toString(), g, "?", cc);
            if (cm.getCodec() != CompressionCodec.ZSTD) continue;
            range = ChunkBounds.range(f.toString(), g, "?", cm, size);
          } catch (Exception e) {
            continue;
          }
          ByteBuffer chunk = ByteBuffer.allocate((int) range.length());
          ch.read(chunk, range.offset());
          chunk.flip();
          PageWalker w = new PageWalker(chunk, range.offset(), f.toString());
          while (w.hasNext()) {
            PageWalker.Page p = w.next();
            PageHeader h = p.header();
            int prefix = 0;
            if (h.getType() == PageType.DATA_PAGE_V2) {
              var v2 = h.getData_page_header_v2();
              if (v2.isSetIs_compressed() && !v2.isIs_compressed()) continue;
              prefix =
                  v2.getRepetition_levels_byte_length() + v2.getDefinition_levels_byte_length();
              if (p.size() <= prefix) continue; // no values stream (all nulls)
            } else if (h.getType() != PageType.DATA_PAGE
                && h.getType() != PageType.DICTIONARY_PAGE) {
              continue;
            }
            byte[] body = new byte[p.size() - prefix];
            chunk.get(p.bodyOffset() + prefix, body);
            out.add(
                new Case(
                    f.getFileName() + " page at " + p.fileOffset(),
                    body,
                    h.getUncompressed_page_size() - prefix));
          }
        }
      }
    }
  }

  /**
   * parquet-testing's data/: -Dhomi.parquetTesting, else ../../shared (worktrees), else ../shared.
   */
  static Path parquetTestingData() {
    String prop = System.getProperty("homi.parquetTesting");
    Path p =
        prop != null
            ? Path.of(prop)
            : Path.of("..", "..", "shared", "parquet-testing").toAbsolutePath().normalize();
    if (!Files.isDirectory(p.resolve("data")))
      p = Path.of("..", "shared", "parquet-testing").toAbsolutePath().normalize();
    assertThat(p.resolve("data"))
        .as("parquet-testing (set -Dhomi.parquetTesting=DIR)")
        .isDirectory();
    return p.resolve("data");
  }
}
