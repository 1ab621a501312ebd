package io.homi.runtime.gpu.decode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.homi.runtime.HomiRuntime;
import io.homi.runtime.gpu.GpuDevice;
import io.homi.runtime.gpu.GpuProbe;
import io.homi.runtime.gpu.GpuTests;
import io.homi.runtime.io.ByteRange;
import io.homi.runtime.parquet.ChunkBounds;
import io.homi.runtime.parquet.ColumnDescriptor;
import io.homi.runtime.parquet.PageWalker;
import io.homi.runtime.parquet.ParquetSchema;
import io.homi.runtime.parquet.UnsupportedParquetException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.arrow.vector.FieldVector;
import org.apache.parquet.format.ColumnChunk;
import org.apache.parquet.format.ColumnMetaData;
import org.apache.parquet.format.CompressionCodec;
import org.apache.parquet.format.FileMetaData;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * ZSTD pages decompressed on the GPU (homi_dec_zstd, {@code homi.gpuZstd}) decode equal to the CPU
 * decoder (zstd-jni): every ZSTD file of parquet-testing the CPU decoder reads and parquet-java
 * ZSTD files of every GPU type (v1 and v2, dictionary and not); no ZSTD page goes through the host.
 * A damaged frame fails through the kernel's status word naming file, column, page offset and what
 * is wrong. Tagged {@code gpu}: skipped without a GPU ({@link GpuTests}). The decoder itself is
 * checked without a GPU by ZstdHarnessTest (homi-runtime).
 */
@Tag("gpu")
class GpuZstdTest {
  private static GpuDevice gpu;
  @TempDir Path dir;

  @BeforeAll
  static void open() {
    if (GpuProbe.probe().usable()) gpu = GpuDevice.open(GpuProbe.defaultOrdinal());
  }

  @AfterAll
  static void close() {
    if (gpu != null) gpu.close();
  }

  @ParameterizedTest(name = "homi.gpuZstd={0}")
  @EnumSource(
      value = GpuZstd.class,
      names = {"THREAD", "WARP"})
  void zstdFilesDecodeOnTheGpuEqualToTheCpuDecoder(GpuZstd mode) throws Exception {
    GpuTests.assumeGpu();
    List<Path> files = new ArrayList<>();
    try (Stream<Path> s = Files.list(ZstdCases.parquetTestingData())) {
      for (Path f : s.filter(p -> p.toString().endsWith(".parquet")).sorted().toList())
        if (hasZstd(f)) files.add(f);
    }
    int fromCorpus = files.size();
    for (boolean v2 : new boolean[] {false, true}) {
      for (boolean dict : new boolean[] {false, true}) {
        files.add(
            DecodeTestFiles.write(
                dir.resolve("t" + v2 + dict + ".parquet"),
                20000,
                0.2,
                CompressionCodecName.ZSTD,
                v2,
                dict,
                2048,
                256 * 1024,
                11,
                false));
      }
      files.add(
          DecodeTestFiles.writeInts(
              dir.resolve("i" + v2 + ".parquet"),
              20000,
              0.1,
              CompressionCodecName.ZSTD,
              v2,
              !v2,
              8192,
              12));
      files.add(
          DecodeTestFiles.writeStrings(
              dir.resolve("s" + v2 + ".parquet"),
              20000,
              0.1,
              CompressionCodecName.ZSTD,
              v2,
              v2,
              64 * 1024,
              13));
    }
    List<String> bad = new ArrayList<>();
    List<String> lines = new ArrayList<>();
    int gpuZstdPages = 0;
    try (GpuParquetReader reader = new GpuParquetReader(gpu, 4, mode)) {
      for (Path f : files) {
        List<List<String>> parts = new ArrayList<>();
        parts.add(null); // the whole file; column by column where a column is refused
        int pages = 0;
        for (int i = 0; i < parts.size(); i++) {
          List<String> cols = parts.get(i);
          try (DeviceBatch b = reader.read(f, cols, false, false, 1 << 20).batch()) {
            pages += b.metrics().gpuZstdPages();
            if (b.metrics().hostInflatedByCodec().containsKey(CompressionCodec.ZSTD))
              bad.add(f.getFileName() + ": ZSTD pages went through the host");
            List<FieldVector> v = b.toVectors(HomiRuntime.get().allocator());
            try {
              bad.addAll(CpuReference.compare(f, v, cols));
            } finally {
              v.forEach(FieldVector::close);
            }
          } catch (UnsupportedParquetException e) {
            if (cols == null) for (String c : columnNames(f)) parts.add(List.of(c));
          } catch (RuntimeException e) {
            bad.add(f.getFileName() + (cols == null ? "" : "/" + cols) + ": " + e);
          }
        }
        lines.add(f.getFileName() + ": " + pages + " GPU zstd pages");
        gpuZstdPages += pages;
      }
    }
    lines.forEach(System.out::println);
    System.out.printf(
        "GPU zstd (%s): %d files (%d of parquet-testing), %d pages decompressed on the GPU, %d mismatches%n",
        mode, files.size(), fromCorpus, gpuZstdPages, bad.size());
    assertThat(bad).as("GPU zstd decode vs CPU decoder").isEmpty();
    assertThat(fromCorpus).as("ZSTD files in parquet-testing").isGreaterThanOrEqualTo(3);
    assertThat(gpuZstdPages).isGreaterThan(100);
  }

  /**
   * A damaged frame (its magic number; a reserved block type further in) fails the read through
   * E_ZSTD, naming the file, the column, the page's file offset and the reason.
   */
  @ParameterizedTest(name = "homi.gpuZstd={0}")
  @EnumSource(
      value = GpuZstd.class,
      names = {"THREAD", "WARP"})
  void aDamagedFrameFailsNamingFileColumnAndPage(GpuZstd mode) throws Exception {
    GpuTests.assumeGpu();
    Path f =
        DecodeTestFiles.write(
            dir.resolve("z.parquet"),
            5000,
            0.1,
            CompressionCodecName.ZSTD,
            false,
            false,
            4096,
            1 << 20,
            14);
    byte[] file = Files.readAllBytes(f);
    FileMetaData md = GpuParquetReader.footer(f);
    ParquetSchema schema = ParquetSchema.of(md, f.toString());
    int col = schema.columns().stream().map(ColumnDescriptor::name).toList().indexOf("i32");
    ColumnChunk cc = md.getRow_groups().get(0).getColumns().get(col);
    ColumnMetaData cm = ChunkBounds.metadata(f.toString(), 0, "i32", cc);
    assertThat(cm.getCodec()).isEqualTo(CompressionCodec.ZSTD);
    ByteRange range = ChunkBounds.range(f.toString(), 0, "i32", cm, file.length);
    ByteBuffer chunk = ByteBuffer.wrap(file, (int) range.offset(), (int) range.length()).slice();
    PageWalker.Page page = new PageWalker(chunk, range.offset(), f.toString()).next();
    int body = (int) range.offset() + page.bodyOffset();

    byte[] badMagic = file.clone();
    badMagic[body] ^= 0x5a;
    assertFailsNaming(mode, badMagic, "bad.parquet", page.fileOffset(), "not a ZSTD frame");

    // the first block header after the frame header: type 3 is reserved
    int fhd = file[body + 4] & 0xff;
    int single = (fhd >> 5) & 1, fcsFlag = fhd >> 6, didFlag = fhd & 3;
    int header =
        5
            + (single == 1 ? 0 : 1)
            + new int[] {0, 1, 2, 4}[didFlag]
            + (fcsFlag == 0 ? single : new int[] {0, 2, 4, 8}[fcsFlag]);
    byte[] badBlock = file.clone();
    badBlock[body + header] |= 0x06;
    assertFailsNaming(mode, badBlock, "block.parquet", page.fileOffset(), "reserved block type");
  }

  private void assertFailsNaming(
      GpuZstd mode, byte[] bytes, String name, long pageOffset, String reason) throws Exception {
    Path bad = dir.resolve(name);
    Files.write(bad, bytes);
    try (GpuParquetReader reader = new GpuParquetReader(gpu, 4, mode)) {
      assertThatThrownBy(() -> reader.read(bad, null, false, false, 1 << 20).batch().close())
          .hasMessageContaining(bad.toString())
          .hasMessageContaining("column 'i32'")
          .hasMessageContaining("ZSTD page at file offset " + pageOffset)
          .hasMessageContaining(reason);
    }
  }

  private static boolean hasZstd(Path f) {
    try {
      FileMetaData md = GpuParquetReader.footer(f);
      return md.getRow_groups().stream()
          .flatMap(g -> g.getColumns().stream())
          .anyMatch(
              c -> c.isSetMeta_data() && c.getMeta_data().getCodec() == CompressionCodec.ZSTD);
    } catch (Exception e) {
      return false; // encrypted or broken on purpose: not a ZSTD file to decode
    }
  }

  private static List<String> columnNames(Path f) throws Exception {
    return ParquetSchema.of(GpuParquetReader.footer(f), f.toString()).columns().stream()
        .map(ColumnDescriptor::name)
        .toList();
  }
}
