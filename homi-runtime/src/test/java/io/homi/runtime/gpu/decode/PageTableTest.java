package io.homi.runtime.gpu.decode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.homi.runtime.parquet.ColumnDescriptor;
import io.homi.runtime.parquet.CorruptParquetException;
import io.homi.runtime.parquet.ParquetSchema;
import io.homi.runtime.parquet.ScanPlan;
import io.homi.runtime.parquet.UnsupportedParquetException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.parquet.format.CompressionCodec;
import org.apache.parquet.format.FileMetaData;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xerial.snappy.Snappy;

/** The host half of GPU decoding, proven without a GPU: chunk plan, page walk, table layout. */
class PageTableTest {
  @TempDir Path dir;

  /**
   * Stages a file as GpuParquetReader does (runs at their staging offsets) and walks every column.
   */
  private PageTable walk(Path f, boolean hostDecompress, long[] rowsPerColumn) throws Exception {
    return walk(f, hostDecompress, rowsPerColumn, null);
  }

  private PageTable walk(Path f, boolean hostDecompress, long[] rowsPerColumn, int[] firstPage)
      throws Exception {
    return walk(f, hostDecompress, false, rowsPerColumn, firstPage);
  }

  private PageTable walk(
      Path f, boolean hostDecompress, boolean gpuZstd, long[] rowsPerColumn, int[] firstPage)
      throws Exception {
    FileMetaData md = GpuParquetReader.footer(f);
    ParquetSchema schema = ParquetSchema.of(md, f.toString());
    ScanPlan plan = ScanPlan.of(f.toString(), md, schema.columns(), null, Files.size(f), 1 << 20);
    ByteBuffer stage = stage(f, plan);
    PageTable t = new PageTable(f.toString(), hostDecompress, gpuZstd);
    long base = 0;
    for (int c = 0; c < schema.columns().size(); c++) {
      if (firstPage != null) firstPage[c] = t.size();
      t.startColumn();
      for (ScanPlan.Chunk ch : plan.chunks()) {
        if (ch.column() != c) continue;
        t.addChunk(
            schema.columns().get(c),
            stage.slice((int) ch.stageOffset(), (int) ch.length()),
            ch.fileOffset(),
            ch.stageOffset(),
            ch.codec(),
            base,
            ch.rows(),
            ch.rowGroup());
        base += ch.rows();
        if (rowsPerColumn != null) rowsPerColumn[c] += ch.rows();
      }
    }
    return t;
  }

  private static ByteBuffer stage(Path f, ScanPlan plan) throws Exception {
    byte[] all = Files.readAllBytes(f);
    ByteBuffer stage = ByteBuffer.allocate((int) plan.stageBytes());
    for (ScanPlan.Run r : plan.runs()) {
      stage.put(
          (int) r.stageOffset(),
          all,
          (int) r.fileOffset(),
          (int) Math.min(r.length(), all.length - r.fileOffset()));
    }
    return stage;
  }

  @Test
  void chunkPlanStagesEveryChunkAlignedWithItsFileBytes() throws Exception {
    Path f =
        DecodeTestFiles.write(
            dir.resolve("a.parquet"),
            30_000,
            0.2,
            CompressionCodecName.SNAPPY,
            false,
            true,
            4096,
            64 * 1024,
            1);
    FileMetaData md = GpuParquetReader.footer(f);
    ParquetSchema schema = ParquetSchema.of(md, f.toString());
    ScanPlan plan = ScanPlan.of(f.toString(), md, schema.columns(), null, Files.size(f), 1 << 20);
    assertThat(md.getRow_groupsSize()).as("several row groups").isGreaterThan(1);
    assertThat(plan.chunks()).hasSize(md.getRow_groupsSize() * schema.columns().size());
    for (ScanPlan.Run r : plan.runs()) {
      assertThat(r.fileOffset() % ScanPlan.ALIGN).isZero();
      assertThat(r.length() % ScanPlan.ALIGN).isZero();
      assertThat(r.stageOffset() % ScanPlan.ALIGN).isZero();
    }
    byte[] all = Files.readAllBytes(f);
    ByteBuffer stage = stage(f, plan);
    for (ScanPlan.Chunk c : plan.chunks()) {
      byte[] want =
          java.util.Arrays.copyOfRange(
              all, (int) c.fileOffset(), (int) (c.fileOffset() + c.length()));
      byte[] got = new byte[(int) c.length()];
      stage.get((int) c.stageOffset(), got);
      assertThat(got).as("chunk rg %d col %d", c.rowGroup(), c.column()).isEqualTo(want);
    }
  }

  @Test
  void pageTableCoversEveryRowAndPointsDictionaryPagesAtTheirOwnChunk() throws Exception {
    Path f =
        DecodeTestFiles.write(
            dir.resolve("b.parquet"),
            20_000,
            0.3,
            CompressionCodecName.SNAPPY,
            false,
            true,
            2048,
            48 * 1024,
            2);
    int ncol = DecodeTestFiles.SCHEMA.getColumns().size();
    long[] rows = new long[ncol];
    int[] first = new int[ncol + 1];
    PageTable t = walk(f, false, rows, first);
    first[ncol] = t.size();
    int dicts = 0;
    long base = 0;
    for (int c = 0; c < ncol; c++) {
      long seen = 0;
      for (int i = first[c]; i < first[c + 1]; i++) {
        PageEntry e = t.entry(i);
        assertThat(e.flags & PageEntry.SNAPPY).as("snappy pages go to the GPU").isNotZero();
        assertThat(e.where).isEqualTo(PageEntry.Where.ARENA);
        if ((e.flags & PageEntry.DICT) != 0) {
          dicts++;
          continue;
        }
        assertThat(e.rowStart).as("pages follow each other without gaps").isEqualTo(base + seen);
        seen += e.numValues;
        if (PageEntry.isDictEncoding(e.encoding)) {
          PageEntry d = t.entry(first[c] + e.aux); // aux counts from the column's first page
          assertThat(d.flags & PageEntry.DICT).isNotZero();
          assertThat(d.chunk).as("a page's dictionary is its own row group's").isEqualTo(e.chunk);
        }
      }
      assertThat(seen).as("column %d rows", c).isEqualTo(rows[c]);
      base += rows[c];
    }
    assertThat(dicts).isGreaterThan(1);
    assertThat(t.gpuSnappyPages()).isEqualTo(t.size());
    assertThat(t.hostInflatedPages()).isZero();
  }

  @Test
  void encodedTableHasTheDeviceLayoutWithResolvedAddresses() throws Exception {
    // v2 pages; small enough that no dictionary falls back to the DELTA encodings of parquet-java's
    // v2 writer
    Path f =
        DecodeTestFiles.write(
            dir.resolve("c.parquet"),
            5_000,
            0.5,
            CompressionCodecName.SNAPPY,
            true,
            true,
            1024,
            1 << 20,
            3,
            true);
    PageTable t = walk(f, false, null);
    assertThat(
            java.util.stream.IntStream.range(0, t.size())
                .filter(i -> (t.entry(i).flags & PageEntry.V2) != 0)
                .count())
        .as("v2 pages present")
        .isPositive();
    long chunkBase = 0x7000_0000_0000L, arenaBase = 0x7100_0000_0000L;
    ByteBuffer b = t.encode(chunkBase, arenaBase, 0).order(ByteOrder.LITTLE_ENDIAN);
    assertThat(b.remaining()).isEqualTo(t.size() * 64);
    for (int i = 0; i < t.size(); i++) {
      PageEntry e = t.entry(i);
      int at = i * 64;
      assertThat(b.getLong(at)).isEqualTo(chunkBase + e.srcOff);
      long data = e.where == PageEntry.Where.ARENA ? arenaBase + e.dataOff : chunkBase + e.dataOff;
      assertThat(b.getLong(at + 8)).isEqualTo(data);
      assertThat(b.getInt(at + 16)).isEqualTo(e.compLen);
      assertThat(b.getInt(at + 20)).isEqualTo(e.dataLen);
      assertThat(b.getInt(at + 24)).isEqualTo(e.prefix);
      assertThat(b.getInt(at + 28)).isEqualTo(e.numValues);
      assertThat(b.getInt(at + 32)).isEqualTo((int) e.rowStart);
      assertThat(b.getInt(at + 40)).isEqualTo(e.defOff);
      assertThat(b.getInt(at + 48)).isEqualTo(e.valOff);
      assertThat(b.getShort(at + 56)).isEqualTo((short) e.encoding);
      assertThat(b.getShort(at + 58)).isEqualTo((short) e.flags);
      assertThat(b.getInt(at + 60)).isEqualTo(e.aux);
      if ((e.flags & PageEntry.V2) != 0) {
        assertThat(e.prefix).isEqualTo(e.defLen); // flat columns: no repetition levels
        assertThat(e.valOff).isEqualTo(e.defOff + e.defLen);
      }
      if ((e.flags & PageEntry.SNAPPY) != 0)
        assertThat(e.dataOff % 16).as("arena pages 16-byte aligned").isZero();
    }
  }

  /**
   * homi.gpuZstd: ZSTD pages go to the GPU arena (PF_ZSTD, 16-byte aligned, nothing inflated on the
   * host); off, or with hostDecompress, every one of them is inflated on the host.
   */
  @Test
  void zstdPagesGoToTheGpuOnlyWhenGpuZstdIsOn() throws Exception {
    Path f =
        DecodeTestFiles.write(
            dir.resolve("z.parquet"),
            8_000,
            0.1,
            CompressionCodecName.ZSTD,
            true,
            true,
            4096,
            1 << 20,
            5);
    PageTable gpu = walk(f, false, true, null, null);
    PageTable host = walk(f, false, false, null, null);
    PageTable forced = walk(f, true, true, null, null);
    assertThat(gpu.gpuZstdPages()).isPositive();
    assertThat(gpu.hostInflatedPages()).isZero();
    assertThat(gpu.inflatedSize()).isZero();
    assertThat(host.gpuZstdPages()).isZero();
    assertThat(host.hostInflatedPages()).isEqualTo(gpu.gpuZstdPages());
    assertThat(host.hostInflatedByCodec()).containsOnlyKeys(CompressionCodec.ZSTD);
    assertThat(forced.gpuZstdPages()).isZero();
    assertThat(forced.hostInflatedPages()).isEqualTo(gpu.gpuZstdPages());
    int flagged = 0;
    for (int i = 0; i < gpu.size(); i++) {
      PageEntry e = gpu.entry(i);
      if ((e.flags & PageEntry.ZSTD) == 0) continue;
      flagged++;
      assertThat(e.where).isEqualTo(PageEntry.Where.ARENA);
      assertThat(e.dataOff % 16).as("arena pages 16-byte aligned").isZero();
      assertThat(e.fileOffset).isPositive();
    }
    assertThat(flagged).isEqualTo(gpu.gpuZstdPages());
    assertThat(gpu.arenaBytes()).isGreaterThanOrEqualTo(host.hostInflatedBytes());
  }

  @Test
  void hostDecompressionInflatesEachPageToItsDeclaredSize() throws Exception {
    Path f =
        DecodeTestFiles.write(
            dir.resolve("d.parquet"),
            8_000,
            0.1,
            CompressionCodecName.SNAPPY,
            false,
            true,
            4096,
            1 << 20,
            4);
    PageTable gpu = walk(f, false, null);
    PageTable host = walk(f, true, null);
    assertThat(host.size()).isEqualTo(gpu.size());
    assertThat(host.gpuSnappyPages()).isZero();
    assertThat(host.hostInflatedPages()).isEqualTo(gpu.gpuSnappyPages());
    byte[] inflated = host.inflatedBytes();
    byte[] file = Files.readAllBytes(f);
    ScanPlan plan =
        ScanPlan.of(
            f.toString(),
            GpuParquetReader.footer(f),
            ParquetSchema.of(GpuParquetReader.footer(f), f.toString()).columns(),
            null,
            file.length,
            1 << 20);
    ByteBuffer stage = stage(f, plan);
    for (int i = 0; i < host.size(); i++) {
      PageEntry e = host.entry(i);
      byte[] comp = new byte[e.compLen];
      stage.get((int) e.srcOff, comp);
      byte[] want = Snappy.uncompress(comp);
      assertThat(
              java.util.Arrays.copyOfRange(inflated, (int) e.dataOff, (int) e.dataOff + e.dataLen))
          .isEqualTo(want);
    }
  }

  @Test
  void truncatedChunkIsCorruptWithItsFileOffset() throws Exception {
    Path f =
        DecodeTestFiles.write(
            dir.resolve("e.parquet"),
            3_000,
            0.0,
            CompressionCodecName.UNCOMPRESSED,
            false,
            false,
            1024,
            1 << 20,
            5);
    FileMetaData md = GpuParquetReader.footer(f);
    ParquetSchema schema = ParquetSchema.of(md, f.toString());
    ScanPlan plan = ScanPlan.of(f.toString(), md, schema.columns(), null, Files.size(f), 1 << 20);
    ByteBuffer stage = stage(f, plan);
    ScanPlan.Chunk c = plan.chunks().get(1);
    ColumnDescriptor col = schema.columns().get(c.column());
    PageTable t = new PageTable(f.toString(), false, false);
    ByteBuffer cut = stage.slice((int) c.stageOffset(), (int) c.length() / 2);
    assertThatThrownBy(
            () -> t.addChunk(col, cut, c.fileOffset(), c.stageOffset(), c.codec(), 0, c.rows(), 0))
        .isInstanceOf(CorruptParquetException.class)
        .hasMessageContaining(f.toString())
        .hasMessageContaining("column '" + col.name() + "'")
        .hasMessageContaining("file offset");
  }

  @Test
  void deltaByteArrayAndInt96PagesAreTabled() throws Exception {
    // parquet-java's v2 writer without a dictionary: DELTA_BYTE_ARRAY for binary, PLAIN for INT96
    Path f =
        DecodeTestFiles.writeStrings(
            dir.resolve("g.parquet"),
            4_000,
            0.1,
            CompressionCodecName.UNCOMPRESSED,
            true,
            false,
            1024,
            6);
    int ncol = DecodeTestFiles.STRING_SCHEMA.getColumns().size();
    int[] first = new int[ncol + 1];
    PageTable t = walk(f, false, new long[ncol], first);
    first[ncol] = t.size();
    ParquetSchema schema = ParquetSchema.of(GpuParquetReader.footer(f), f.toString());
    int dba = 0;
    for (int c = 0; c < ncol; c++) {
      ColumnDescriptor col = schema.columns().get(c);
      for (int i = first[c]; i < first[c + 1]; i++) {
        int expected =
            (col.kind().isByteArray()
                    ? org.apache.parquet.format.Encoding.DELTA_BYTE_ARRAY
                    : org.apache.parquet.format.Encoding.PLAIN)
                .getValue();
        assertThat(t.entry(i).encoding).as("column %s page %d", col.name(), i).isEqualTo(expected);
        if (col.kind().isByteArray()) dba++;
      }
    }
    assertThat(dba).as("several DELTA_BYTE_ARRAY pages per string column").isGreaterThan(8);
    assertThat(t.deltaPages()).as("their lengths take the delta kernel").isEqualTo(dba);
    assertThat(schema.columns().get(4).kind()).isEqualTo(io.homi.runtime.parquet.ValueKind.INT96);
    assertThat(GpuRowGroups.refusal(GpuParquetReader.footer(f), schema.columns(), 0))
        .as("INT96 is a GPU kind")
        .isNull();
  }

  @Test
  void encodingsTheKernelsLackAreRefusedByName() throws Exception {
    // parquet-java's v2 writer encodes FIXED_LEN_BYTE_ARRAY without a dictionary as
    // DELTA_BYTE_ARRAY
    org.apache.parquet.schema.MessageType schema =
        org.apache.parquet.schema.MessageTypeParser.parseMessageType(
            "message m { required fixed_len_byte_array(16) d (DECIMAL(38, 2)); }");
    Path f = dir.resolve("flba.parquet");
    try (org.apache.parquet.hadoop.ParquetWriter<org.apache.parquet.example.data.Group> w =
        org.apache.parquet.hadoop.example.ExampleParquetWriter.builder(
                new org.apache.hadoop.fs.Path(f.toUri()))
            .withConf(new org.apache.hadoop.conf.Configuration())
            .withType(schema)
            .withDictionaryEncoding(false)
            .withWriterVersion(
                org.apache.parquet.column.ParquetProperties.WriterVersion.PARQUET_2_0)
            .build()) {
      org.apache.parquet.example.data.simple.SimpleGroupFactory g =
          new org.apache.parquet.example.data.simple.SimpleGroupFactory(schema);
      for (int i = 0; i < 500; i++) {
        byte[] v = new byte[16];
        v[15] = (byte) i;
        w.write(
            g.newGroup().append("d", org.apache.parquet.io.api.Binary.fromConstantByteArray(v)));
      }
    }
    assertThatThrownBy(() -> walk(f, false, null))
        .isInstanceOf(UnsupportedParquetException.class)
        .hasMessageContaining("DELTA_BYTE_ARRAY")
        .hasMessageContaining("FIXED_LEN_BYTE_ARRAY")
        .hasMessageContaining("GPU path");
  }

  @Test
  void deltaBinaryPackedPagesOfEveryIntegerKindAreTabled() throws Exception {
    // parquet-java's v2 writer without a dictionary: DELTA_BINARY_PACKED for every INT32/INT64
    // column
    Path f =
        DecodeTestFiles.writeInts(
            dir.resolve("h.parquet"),
            5_000,
            0.2,
            CompressionCodecName.UNCOMPRESSED,
            true,
            false,
            1024,
            7);
    int ncol = DecodeTestFiles.INT_SCHEMA.getColumns().size();
    int[] first = new int[ncol + 1];
    PageTable t = walk(f, false, new long[ncol], first);
    first[ncol] = t.size();
    ParquetSchema schema = ParquetSchema.of(GpuParquetReader.footer(f), f.toString());
    int delta = 0;
    for (int c = 0; c < ncol; c++) {
      boolean ints =
          schema.columns().get(c).physicalType() != org.apache.parquet.format.Type.DOUBLE;
      for (int i = first[c]; i < first[c + 1]; i++) {
        PageEntry e = t.entry(i);
        assertThat(e.flags & PageEntry.V2).isNotZero();
        if (ints) {
          assertThat(e.encoding)
              .as("column %s page %d", schema.columns().get(c).name(), i)
              .isEqualTo(org.apache.parquet.format.Encoding.DELTA_BINARY_PACKED.getValue());
          delta++;
        }
      }
    }
    assertThat(delta).as("several delta pages per column").isGreaterThan(2 * (ncol - 1));
    assertThat(t.deltaPages()).isEqualTo(delta);
    assertThat(GpuRowGroups.refusal(GpuParquetReader.footer(f), schema.columns(), 0))
        .as("decimals and timestamps are GPU kinds now")
        .isNull();
  }

  /**
   * Every page of a compressed file, inflated on the host, equals the same page of its uncompressed
   * twin.
   */
  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.CsvSource({
    "ZSTD, false",
    "ZSTD, true",
    "LZ4_RAW, false",
    "LZ4_RAW, true",
    "GZIP, true"
  })
  void otherCodecsInflateOnTheHostToTheUncompressedBytes(CompressionCodecName codec, boolean v2)
      throws Exception {
    Path plain =
        DecodeTestFiles.write(
            dir.resolve("p.parquet"),
            6_000,
            0.1,
            CompressionCodecName.UNCOMPRESSED,
            v2,
            true,
            2048,
            1 << 20,
            8,
            v2);
    Path comp =
        DecodeTestFiles.write(
            dir.resolve("z.parquet"), 6_000, 0.1, codec, v2, true, 2048, 1 << 20, 8, v2);
    PageTable twin = walk(plain, false, null);
    PageTable host = walk(comp, false, null);
    assertThat(host.size()).isEqualTo(twin.size());
    assertThat(host.hostInflatedPages()).isEqualTo(host.size());
    assertThat(host.hostInflatedByCodec())
        .containsEntry(
            org.apache.parquet.format.CompressionCodec.valueOf(codec.name()), host.size());
    assertThat(
            GpuRowGroups.refusal(
                GpuParquetReader.footer(comp),
                ParquetSchema.of(GpuParquetReader.footer(comp), comp.toString()).columns(),
                0))
        .isNull();
    byte[] inflated = host.inflatedBytes();
    byte[] file = Files.readAllBytes(plain);
    ScanPlan plan =
        ScanPlan.of(
            plain.toString(),
            GpuParquetReader.footer(plain),
            ParquetSchema.of(GpuParquetReader.footer(plain), plain.toString()).columns(),
            null,
            file.length,
            1 << 20);
    ByteBuffer stage = stage(plain, plan);
    for (int i = 0; i < host.size(); i++) {
      PageEntry h = host.entry(i);
      PageEntry p = twin.entry(i);
      assertThat(h.dataLen).isEqualTo(p.dataLen);
      byte[] want = new byte[p.dataLen];
      stage.get((int) p.dataOff, want);
      assertThat(
              java.util.Arrays.copyOfRange(inflated, (int) h.dataOff, (int) h.dataOff + h.dataLen))
          .as("page %d", i)
          .isEqualTo(want);
    }
  }
}
