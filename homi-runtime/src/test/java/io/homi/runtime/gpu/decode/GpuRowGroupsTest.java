package io.homi.runtime.gpu.decode;

import static org.assertj.core.api.Assertions.assertThat;

import io.homi.runtime.parquet.ParquetSchema;
import io.homi.runtime.parquet.ScanPlan;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.parquet.format.FileMetaData;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the Spark reader's GPU output decides without a GPU: refusals from the footer, one row
 * group's plan.
 */
class GpuRowGroupsTest {
  @TempDir Path dir;

  @Test
  void refusalComesFromTheFooterAndNamesTheColumn() throws Exception {
    Path ok =
        DecodeTestFiles.write(
            dir.resolve("ok.parquet"),
            5000,
            0.1,
            CompressionCodecName.SNAPPY,
            false,
            true,
            1024,
            16 * 1024,
            1);
    FileMetaData md = GpuParquetReader.footer(ok);
    ParquetSchema schema = ParquetSchema.of(md, ok.toString());
    assertThat(md.getRow_groupsSize()).isGreaterThan(1);
    for (int rg = 0; rg < md.getRow_groupsSize(); rg++)
      assertThat(GpuRowGroups.refusal(md, schema.columns(), rg)).isNull();
    assertThat(GpuRowGroups.refusal(md, List.of(), 0)).isEqualTo("no file columns to decode");

    Path zstd =
        DecodeTestFiles.write(
            dir.resolve("zstd.parquet"),
            500,
            0.1,
            CompressionCodecName.ZSTD,
            false,
            true,
            1024,
            1 << 20,
            2);
    FileMetaData zmd = GpuParquetReader.footer(zstd);
    assertThat(GpuRowGroups.refusal(zmd, ParquetSchema.of(zmd, zstd.toString()).columns(), 0))
        .as("ZSTD pages are decompressed on the host, then decoded on the GPU")
        .isNull();

    Path fixed = dir.resolve("fixed.parquet");
    org.apache.parquet.schema.MessageType schema2 =
        org.apache.parquet.schema.MessageTypeParser.parseMessageType(
            "message m { optional int64 id; optional fixed_len_byte_array(8) fb; }");
    try (org.apache.parquet.hadoop.ParquetWriter<org.apache.parquet.example.data.Group> w =
        org.apache.parquet.hadoop.example.ExampleParquetWriter.builder(
                new org.apache.hadoop.fs.Path(fixed.toUri()))
            .withConf(new org.apache.hadoop.conf.Configuration())
            .withType(schema2)
            .build()) {
      org.apache.parquet.example.data.simple.SimpleGroupFactory g =
          new org.apache.parquet.example.data.simple.SimpleGroupFactory(schema2);
      w.write(
          g.newGroup()
              .append("id", 1L)
              .append(
                  "fb",
                  org.apache.parquet.io.api.Binary.fromConstantByteArray(
                      new byte[] {0, 0, 0, 0, 0, 0, 1, 2})));
    }
    FileMetaData fmd = GpuParquetReader.footer(fixed);
    assertThat(GpuRowGroups.refusal(fmd, ParquetSchema.of(fmd, fixed.toString()).columns(), 0))
        .as("FIXED_LEN_BYTE_ARRAY decimals decode on the GPU; unannotated ones (BinaryType) do not")
        .isEqualTo("column 'fb' is FIXED_BINARY");
  }

  @Test
  void oneRowGroupsPlanHoldsOnlyItsChunks() throws Exception {
    Path f =
        DecodeTestFiles.write(
            dir.resolve("rg.parquet"),
            5000,
            0.1,
            CompressionCodecName.UNCOMPRESSED,
            false,
            true,
            1024,
            16 * 1024,
            3);
    FileMetaData md = GpuParquetReader.footer(f);
    ParquetSchema schema = ParquetSchema.of(md, f.toString());
    int last = md.getRow_groupsSize() - 1;
    ScanPlan plan =
        ScanPlan.of(f.toString(), md, schema.columns(), new int[] {last}, Files.size(f), 1 << 20);
    assertThat(plan.chunks())
        .hasSize(schema.columns().size())
        .allSatisfy(c -> assertThat(c.rowGroup()).isEqualTo(last))
        .allSatisfy(
            c -> assertThat(c.rows()).isEqualTo(md.getRow_groups().get(last).getNum_rows()));
    long chunkBytes = plan.chunks().stream().mapToLong(ScanPlan.Chunk::length).sum();
    assertThat(plan.stageBytes())
        .isGreaterThanOrEqualTo(chunkBytes)
        .isLessThan(
            ScanPlan.of(f.toString(), md, schema.columns(), null, Files.size(f), 1 << 20)
                .stageBytes());
  }
}
