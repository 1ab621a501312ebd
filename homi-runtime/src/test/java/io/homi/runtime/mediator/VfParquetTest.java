package io.homi.runtime.mediator;

import static org.assertj.core.api.Assertions.assertThat;

import io.homi.runtime.HomiConfig;
import io.homi.runtime.HomiRuntime;
import io.homi.runtime.os.Libc;
import io.homi.runtime.os.OpenFile;
import io.homi.runtime.parquet.ParquetBatchReader;
import io.homi.runtime.parquet.ParquetFileReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.IntStream;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.junit.jupiter.api.Test;

/**
 * A Parquet file on the PF's ext4 read by the runtime's Parquet reader with {@code homi.path=vf}:
 * footer and column chunks come through the VF, and every value equals parquet-java's own reader of
 * the same file (Spark does not run in the lab's TCG guest within its budget; parquet-java is the
 * reader Spark's Parquet source is built on). Runs in the NVMe lab's SR-IOV guest.
 */
class VfParquetTest {
  private static final MessageType SCHEMA =
      MessageTypeParser.parseMessageType(
          "message t { required int64 id; optional binary name (STRING); }");

  /** The name column: null every fifth row, else a repeating string. */
  private static String name(int row) {
    return row % 5 == 0 ? null : "row-" + (row % 997);
  }

  @Test
  void aParquetFileReadThroughTheVfEqualsWhatParquetJavaWrote() throws Exception {
    // Asked of a small file in the same directory first: no Parquet writing where it would skip.
    Path probe = VfTests.file("vf-parquet.probe", 4096);
    VfTests.assumeVf(probe);
    Path p = probe.resolveSibling("vf.parquet");
    int rows = 30_000;
    Files.deleteIfExists(p);
    SimpleGroupFactory f = new SimpleGroupFactory(SCHEMA);
    try (ParquetWriter<Group> w =
        ExampleParquetWriter.builder(new org.apache.hadoop.fs.Path(p.toUri()))
            .withConf(new Configuration())
            .withType(SCHEMA)
            .withCompressionCodec(CompressionCodecName.SNAPPY)
            .withPageSize(16 * 1024)
            .withRowGroupSize(128 * 1024L)
            .build()) {
      for (int i = 0; i < rows; i++) {
        Group g = f.newGroup().append("id", 7L * i);
        if (name(i) != null) g.append("name", name(i));
        w.write(g);
      }
    }
    // Cold: a forced path still lets the mediator copy what the page cache holds (small commands
    // served inline on the OS path); with the file's pages dropped every byte must come by the VF.
    try (OpenFile of = OpenFile.open(p)) {
      Libc.fdatasync(of.fd());
      Libc.posix_fadvise(of.fd(), 0, 0, Libc.POSIX_FADV_DONTNEED);
    }

    HomiRuntime rt = HomiRuntime.get();
    try (ParquetFileReader pf =
        ParquetFileReader.open(rt, p, HomiConfig.from(Map.of(HomiConfig.PATH, "vf")))) {
      int[] groups = IntStream.range(0, pf.rowGroupCount()).toArray();
      assertThat(groups.length).as("row groups").isGreaterThan(1);
      int seen = 0;
      try (ParquetBatchReader br =
          new ParquetBatchReader(pf, groups, pf.schema().columns(), rt.allocator(), 4096)) {
        for (int n; (n = br.next()) > 0; ) {
          BigIntVector ids = (BigIntVector) br.vectors().get(0);
          VarCharVector names = (VarCharVector) br.vectors().get(1);
          for (int i = 0; i < n; i++) {
            int row = seen + i;
            assertThat(ids.get(i)).as("id of row %d", row).isEqualTo(7L * row);
            String name = names.isNull(i) ? null : new String(names.get(i), "UTF-8");
            assertThat(name).as("name of row %d", row).isEqualTo(name(row));
          }
          seen += n;
        }
      }
      assertThat(seen).isEqualTo(rows);
      PathStats.Snapshot s = pf.pathStats();
      assertThat(s.bytes(PathKind.VF)).as("bytes through the VF").isPositive();
      assertThat(s.bytes(PathKind.OS) + s.bytes(PathKind.DEVICE) + s.bytes(PathKind.PASSTHROUGH))
          .as("bytes on any other path")
          .isZero();
    } finally {
      rt.close(); // gives the VF back
    }
  }
}
