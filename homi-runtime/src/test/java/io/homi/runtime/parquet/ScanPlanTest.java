package io.homi.runtime.parquet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.homi.runtime.HomiConfig;
import io.homi.runtime.HomiRuntime;
import io.homi.runtime.gpu.decode.PageTable;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.format.FileMetaData;
import org.apache.parquet.format.PageType;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scan plan: chunk ranges by the one set of rules (the same as {@code inspect} lists), runs
 * coalesced by the one planner honouring {@code homi.coalesceGap}, and the one page walker that the
 * CPU decoder and the GPU page table share (same pages, same corruption message).
 */
class ScanPlanTest {
  @TempDir Path dir;

  @Test
  void chunksMatchTheLayoutAndRunsHonourTheCoalesceGap() throws IOException {
    Path p = dir.resolve("two.parquet");
    writeTwoColumns(p, 40_000);
    FileMetaData md = ParquetFooter.read(p).metadata();
    ParquetSchema schema = ParquetSchema.of(md, p.toString());
    long size = Files.size(p);
    ScanPlan all = ScanPlan.of(p.toString(), md, schema.columns(), null, size, 0);
    ParquetLayout layout = ParquetLayout.read(p);
    assertThat(md.getRow_groupsSize()).as("several row groups").isGreaterThan(2);
    for (ScanPlan.Chunk c : all.chunks()) {
      ParquetLayout.Chunk l = layout.rowGroups().get(c.rowGroup()).columns().get(c.column());
      assertThat(c.range().offset()).isEqualTo(l.offset());
      assertThat(c.length()).isEqualTo(l.length());
    }

    // Only the payload: the id chunks between them are gaps the gap option decides about.
    List<ColumnDescriptor> payload = List.of(schema.column("payload"));
    ScanPlan apart = ScanPlan.of(p.toString(), md, payload, null, size, 0);
    ScanPlan merged = ScanPlan.of(p.toString(), md, payload, null, size, 1L << 30);
    assertThat(apart.runs()).hasSize(md.getRow_groupsSize());
    assertThat(merged.runs()).hasSize(1);
    assertThat(apart.stageBytes()).isLessThan(merged.stageBytes());
    long idChunk =
        all.chunks().stream()
            .filter(c -> c.column() == 0)
            .mapToLong(ScanPlan.Chunk::length)
            .min()
            .orElseThrow();
    assertThat(ScanPlan.of(p.toString(), md, payload, null, size, idChunk / 2).runs())
        .as("a gap below the id chunks keeps the runs apart, as RangeFetch plans them")
        .hasSize(md.getRow_groupsSize());
    for (ScanPlan plan : List.of(apart, merged)) {
      for (ScanPlan.Chunk c : plan.chunks()) {
        ScanPlan.Run run =
            plan.runs().stream()
                .filter(
                    r ->
                        r.fileOffset() <= c.fileOffset()
                            && c.fileOffset() + c.length() <= r.fileOffset() + r.length())
                .findFirst()
                .orElseThrow();
        assertThat(c.stageOffset())
            .isEqualTo(run.stageOffset() + c.fileOffset() - run.fileOffset());
        assertThat(run.fileOffset() % ScanPlan.ALIGN).isZero();
      }
    }

    // The page walker steps over every chunk exactly, its data pages holding the row group's rows.
    byte[] bytes = Files.readAllBytes(p);
    for (ScanPlan.Chunk c : all.chunks()) {
      PageWalker w =
          new PageWalker(
              ByteBuffer.wrap(bytes, (int) c.fileOffset(), (int) c.length()).slice(),
              c.fileOffset(),
              "t");
      long values = 0;
      while (w.hasNext()) {
        PageWalker.Page page = w.next();
        if (page.header().getType() == PageType.DATA_PAGE)
          values += page.header().getData_page_header().getNum_values();
      }
      assertThat(w.fileOffset()).isEqualTo(c.fileOffset() + c.length());
      assertThat(values).isEqualTo(c.rows());
    }
  }

  @Test
  void aBrokenPageHeaderIsTheSameErrorOnTheCpuAndGpuPaths() throws IOException {
    Path p = dir.resolve("broken.parquet");
    TestParquetFiles.writeIds(p, 30_000);
    FileMetaData md = ParquetFooter.read(p).metadata();
    long size = Files.size(p);
    ScanPlan plan =
        ScanPlan.of(
            p.toString(), md, ParquetSchema.of(md, p.toString()).columns(), new int[] {0}, size, 0);
    ScanPlan.Chunk c = plan.chunks().get(0);
    try (RandomAccessFile raf = new RandomAccessFile(p.toFile(), "rw")) {
      raf.seek(c.fileOffset());
      raf.write(
          new byte[] {
            (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff
          });
    }
    Throwable cpu =
        catchThrowable(
            () -> {
              try (ParquetFileReader f =
                      ParquetFileReader.open(HomiRuntime.get(), p, HomiConfig.defaults());
                  BufferAllocator alloc =
                      HomiRuntime.get()
                          .allocator()
                          .newChildAllocator("scan-plan-test", 0, Long.MAX_VALUE);
                  RowGroupReader rg = f.openRowGroup(0, List.of(f.schema().column("id")));
                  BigIntVector v = new BigIntVector("id", alloc)) {
                v.allocateNew(10);
                rg.read(List.of(v), 0, 10);
              }
            });
    byte[] chunk = new byte[(int) c.length()];
    System.arraycopy(Files.readAllBytes(p), (int) c.fileOffset(), chunk, 0, chunk.length);
    PageTable table = new PageTable(p.toString(), false, false);
    table.startColumn();
    Throwable gpu =
        catchThrowable(
            () ->
                table.addChunk(
                    ParquetSchema.of(md, p.toString()).column("id"),
                    ByteBuffer.wrap(chunk),
                    c.fileOffset(),
                    0,
                    c.codec(),
                    0,
                    c.rows(),
                    0));
    assertThat(cpu)
        .isInstanceOf(CorruptParquetException.class)
        .hasMessageContaining(p + " (column 'id')")
        .hasMessageContaining("page header at file offset " + c.fileOffset());
    assertThat(gpu).hasMessage(cpu.getMessage());
  }

  private static void writeTwoColumns(Path file, int rows) throws IOException {
    MessageType schema =
        MessageTypeParser.parseMessageType(
            "message t { required int64 id; required binary payload; }");
    SimpleGroupFactory f = new SimpleGroupFactory(schema);
    try (ParquetWriter<Group> w =
        ExampleParquetWriter.builder(new org.apache.hadoop.fs.Path(file.toUri()))
            .withConf(new Configuration())
            .withType(schema)
            .withCompressionCodec(CompressionCodecName.UNCOMPRESSED)
            .withDictionaryEncoding(false)
            .withPageSize(16 * 1024)
            .withRowGroupSize(256 * 1024L)
            .build()) {
      for (int i = 0; i < rows; i++)
        w.write(
            f.newGroup()
                .append("id", (long) i)
                .append("payload", "row-" + i + "-" + "x".repeat(i % 17)));
    }
  }
}
