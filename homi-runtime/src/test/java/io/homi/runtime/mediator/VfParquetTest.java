package io.homi.runtime.mediator;

import static org.assertj.core.api.Assertions.assertThat;

import io.homi.runtime.HomiConfig;
import io.homi.runtime.HomiRuntime;
import io.homi.runtime.parquet.ParquetBatchReader;
import io.homi.runtime.parquet.ParquetFileReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.example.GroupReadSupport;
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

  @Test
  void aParquetFileReadThroughTheVfEqualsParquetJava() throws Exception {
    // Asked of a small file in the same directory first: no Parquet writing where it would skip.
    Path probe = VfTests.file("vf-parquet.probe", 4096);
    VfTests.assumeVf(probe);
    Path p = probe.resolveSibling("vf.parquet");
    int rows = 60_000;
    Files.deleteIfExists(p);
    SimpleGroupFactory f = new SimpleGroupFactory(SCHEMA);
    try (ParquetWriter<Group> w =
        ExampleParquetWriter.builder(new org.apache.hadoop.fs.Path(p.toUri()))
            .withConf(new Configuration())
            .withType(SCHEMA)
            .withCompressionCodec(CompressionCodecName.SNAPPY)
            .withPageSize(16 * 1024)
            .withRowGroupSize(256 * 1024L)
            .build()) {
      for (int i = 0; i < rows; i++) {
        Group g = f.newGroup().append("id", 7L * i);
        if (i % 5 != 0) g.append("name", "row-" + (i % 997));
        w.write(g);
      }
    }
    List<Long> wantIds = new ArrayList<>();
    List<String> wantNames = new ArrayList<>();
    try (ParquetReader<Group> r =
        ParquetReader.builder(new GroupReadSupport(), new org.apache.hadoop.fs.Path(p.toUri()))
            .withConf(new Configuration())
            .build()) {
      for (Group g; (g = r.read()) != null; ) {
        wantIds.add(g.getLong("id", 0));
        wantNames.add(g.getFieldRepetitionCount("name") == 0 ? null : g.getString("name", 0));
      }
    }
    assertThat(wantIds).hasSize(rows);

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
            assertThat(ids.get(i)).as("id of row %d", seen + i).isEqualTo(wantIds.get(seen + i));
            String name = names.isNull(i) ? null : new String(names.get(i), "UTF-8");
            assertThat(name).as("name of row %d", seen + i).isEqualTo(wantNames.get(seen + i));
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
