package io.homi.runtime.gpu.decode;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Random;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;

/** Parquet files written by parquet-java with every type the GPU path decodes, nulls at a chosen density. */
final class DecodeTestFiles {
  static final MessageType SCHEMA = MessageTypeParser.parseMessageType("""
      message t {
        optional boolean b;
        optional int32 i32;
        required int32 small;
        optional int64 i64;
        optional float f;
        optional double d;
        optional int32 dt (DATE);
        optional binary s (UTF8);
        required binary raw;
      }""");

  private DecodeTestFiles() {}

  static Path write(Path p, int rows, double nulls, CompressionCodecName codec, boolean v2, boolean dict, int pageSize,
                    int rowGroupSize, long seed) throws IOException {
    return write(p, rows, nulls, codec, v2, dict, pageSize, rowGroupSize, seed, false);
  }

  /** lowCardinality: every column draws from a few dozen values, so dictionaries never fall back. */
  static Path write(Path p, int rows, double nulls, CompressionCodecName codec, boolean v2, boolean dict, int pageSize,
                    int rowGroupSize, long seed, boolean lowCardinality) throws IOException {
    Configuration conf = new Configuration();
    Random r = new Random(seed);
    SimpleGroupFactory g = new SimpleGroupFactory(SCHEMA);
    try (ParquetWriter<Group> w = ExampleParquetWriter.builder(new org.apache.hadoop.fs.Path(p.toUri()))
        .withConf(conf).withType(SCHEMA).withCompressionCodec(codec).withDictionaryEncoding(dict)
        .withWriterVersion(v2 ? ParquetProperties.WriterVersion.PARQUET_2_0 : ParquetProperties.WriterVersion.PARQUET_1_0)
        .withPageSize(pageSize).withDictionaryPageSize(64 * 1024).withRowGroupSize((long) rowGroupSize).build()) {
      for (int i = 0; i < rows; i++) {
        Group row = g.newGroup();
        if (r.nextDouble() >= nulls) row.add("b", r.nextBoolean());
        if (r.nextDouble() >= nulls) row.add("i32", lowCardinality ? r.nextInt(50) : r.nextInt());
        row.add("small", r.nextInt(40));
        if (r.nextDouble() >= nulls) row.add("i64", r.nextInt(3) == 0 && !lowCardinality ? r.nextLong() : r.nextInt(100));
        if (r.nextDouble() >= nulls) row.add("f", lowCardinality ? r.nextInt(40) / 2f : r.nextFloat());
        if (r.nextDouble() >= nulls) row.add("d", r.nextInt(50) / 4.0);
        if (r.nextDouble() >= nulls) row.add("dt", 18000 + r.nextInt(400));
        if (r.nextDouble() >= nulls) row.add("s", "v" + r.nextInt(r.nextBoolean() || lowCardinality ? 30 : 100000));
        byte[] raw = new byte[r.nextInt(20)];
        if (lowCardinality) java.util.Arrays.fill(raw, (byte) raw.length);
        else r.nextBytes(raw);
        row.add("raw", org.apache.parquet.io.api.Binary.fromConstantByteArray(raw));
        w.write(row);
      }
    }
    return p;
  }
}
