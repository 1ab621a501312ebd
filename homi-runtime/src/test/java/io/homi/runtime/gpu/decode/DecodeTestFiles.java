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

/**
 * Parquet files written by parquet-java with every type the GPU path decodes, nulls at a chosen
 * density.
 */
final class DecodeTestFiles {
  static final MessageType SCHEMA =
      MessageTypeParser.parseMessageType(
          """
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

  /**
   * Integer-stored kinds (parquet-java's v2 writer encodes them DELTA_BINARY_PACKED without a
   * dictionary).
   */
  static final MessageType INT_SCHEMA =
      MessageTypeParser.parseMessageType(
          """
      message ints {
        optional int32 i32;
        required int64 i64;
        optional int64 small64;
        optional int32 i8 (INT_8);
        optional int32 i16 (INT_16);
        optional int32 dt (DATE);
        optional int32 dec9 (DECIMAL(9, 2));
        optional int64 dec18 (DECIMAL(18, 4));
        optional int64 tsm (TIMESTAMP_MILLIS);
        optional int64 tsu (TIMESTAMP_MICROS);
        optional double d;
      }""");

  /**
   * Byte arrays (parquet-java's v2 writer encodes them DELTA_BYTE_ARRAY without a dictionary, and
   * falls back to it from a dictionary) and INT96 timestamps (dictionary, or PLAIN).
   */
  static final MessageType STRING_SCHEMA =
      MessageTypeParser.parseMessageType(
          """
      message strs {
        optional binary sorted (UTF8);
        required binary rep;
        optional binary rnd;
        optional binary longp (UTF8);
        optional int96 t96;
        required int96 t96x;
      }""");

  private DecodeTestFiles() {}

  /**
   * A file of {@link #STRING_SCHEMA}: sorted strings (long shared prefixes), runs of one value
   * (prefix = the whole previous value), random bytes with empty values, values over 64 bytes
   * sharing 150-byte heads; INT96 timestamps of plausible days and nanos, and (t96x) any 12 bytes,
   * extremes included (the conversion wraps as Java's does).
   */
  static Path writeStrings(
      Path p,
      int rows,
      double nulls,
      CompressionCodecName codec,
      boolean v2,
      boolean dict,
      int pageSize,
      long seed)
      throws IOException {
    Random r = new Random(seed);
    SimpleGroupFactory g = new SimpleGroupFactory(STRING_SCHEMA);
    String[] words = new String[Math.max(1, rows / 3)];
    for (int i = 0; i < words.length; i++)
      words[i] = Long.toString(r.nextLong() & 0xffffffffffL, 7 + r.nextInt(30));
    java.util.Arrays.sort(words);
    try (ParquetWriter<Group> w =
        ExampleParquetWriter.builder(new org.apache.hadoop.fs.Path(p.toUri()))
            .withConf(new Configuration())
            .withType(STRING_SCHEMA)
            .withCompressionCodec(codec)
            .withDictionaryEncoding(dict)
            .withWriterVersion(
                v2
                    ? ParquetProperties.WriterVersion.PARQUET_2_0
                    : ParquetProperties.WriterVersion.PARQUET_1_0)
            .withPageSize(pageSize)
            .withDictionaryPageSize(16 * 1024)
            .withRowGroupSize(256L * 1024)
            .build()) {
      for (int i = 0; i < rows; i++) {
        Group row = g.newGroup();
        if (r.nextDouble() >= nulls)
          row.add(
              "sorted", words[(int) ((long) i * words.length / rows)] + (i % 5 == 0 ? "é" : ""));
        row.add("rep", "run" + (i / 50) % 3);
        if (r.nextDouble() >= nulls) {
          byte[] b = new byte[r.nextInt(4) == 0 ? 0 : r.nextInt(40)];
          r.nextBytes(b);
          row.add("rnd", org.apache.parquet.io.api.Binary.fromConstantByteArray(b));
        }
        if (r.nextDouble() >= nulls)
          row.add(
              "longp",
              "h".repeat(150) + Integer.toString(r.nextInt(1 << 20), 36).repeat(r.nextInt(40)));
        if (r.nextDouble() >= nulls)
          row.add(
              "t96",
              int96(r.nextLong() % 86_400_000_000_000L, 2_440_588 + r.nextInt(40_000) - 20_000));
        row.add(
            "t96x",
            switch (i % 4) {
              case 0 -> int96(Long.MAX_VALUE, Integer.MAX_VALUE);
              case 1 -> int96(Long.MIN_VALUE, Integer.MIN_VALUE);
              case 2 -> int96(-999, 0);
              default -> int96(r.nextLong(), r.nextInt());
            });
        w.write(row);
      }
    }
    return p;
  }

  /** An INT96 value: nanos of day (8 bytes LE), then the Julian day (4 bytes LE). */
  static org.apache.parquet.io.api.Binary int96(long nanos, int julianDay) {
    java.nio.ByteBuffer b =
        java.nio.ByteBuffer.allocate(12).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    b.putLong(nanos).putInt(julianDay);
    return org.apache.parquet.io.api.Binary.fromConstantByteArray(b.array());
  }

  /**
   * A file of {@link #INT_SCHEMA}: full-range and extreme values (deltas that wrap around mod 2^64
   * and 2^32), runs of equal values (bit width 0), small steps and descending runs (negative
   * deltas).
   */
  static Path writeInts(
      Path p,
      int rows,
      double nulls,
      CompressionCodecName codec,
      boolean v2,
      boolean dict,
      int pageSize,
      long seed)
      throws IOException {
    Random r = new Random(seed);
    SimpleGroupFactory g = new SimpleGroupFactory(INT_SCHEMA);
    try (ParquetWriter<Group> w =
        ExampleParquetWriter.builder(new org.apache.hadoop.fs.Path(p.toUri()))
            .withConf(new Configuration())
            .withType(INT_SCHEMA)
            .withCompressionCodec(codec)
            .withDictionaryEncoding(dict)
            .withWriterVersion(
                v2
                    ? ParquetProperties.WriterVersion.PARQUET_2_0
                    : ParquetProperties.WriterVersion.PARQUET_1_0)
            .withPageSize(pageSize)
            .withDictionaryPageSize(64 * 1024)
            .withRowGroupSize(256L * 1024)
            .build()) {
      for (int i = 0; i < rows; i++) {
        Group row = g.newGroup();
        int phase = (i / 300) % 4; // 0 extremes, 1 constant, 2 ascending, 3 descending
        long big =
            switch (phase) {
              case 0 ->
                  r.nextInt(3) == 0
                      ? Long.MIN_VALUE
                      : r.nextInt(2) == 0 ? Long.MAX_VALUE : r.nextLong();
              case 1 -> 7L;
              case 2 -> i * 1000L + r.nextInt(5);
              default -> -i * 77L;
            };
        int small =
            switch (phase) {
              case 0 ->
                  r.nextInt(3) == 0
                      ? Integer.MIN_VALUE
                      : r.nextInt(2) == 0 ? Integer.MAX_VALUE : r.nextInt();
              case 1 -> -3;
              case 2 -> i;
              default -> -i * 5;
            };
        if (r.nextDouble() >= nulls) row.add("i32", small);
        row.add("i64", big);
        if (r.nextDouble() >= nulls) row.add("small64", (long) (i % 1000) - 500);
        if (r.nextDouble() >= nulls) row.add("i8", r.nextInt(256) - 128);
        if (r.nextDouble() >= nulls) row.add("i16", r.nextInt(65536) - 32768);
        if (r.nextDouble() >= nulls) row.add("dt", 18000 + r.nextInt(400) - (phase == 3 ? i : 0));
        if (r.nextDouble() >= nulls) row.add("dec9", r.nextInt(1_999_999_999) - 999_999_999);
        if (r.nextDouble() >= nulls) row.add("dec18", r.nextLong() % 1_000_000_000_000_000_000L);
        if (r.nextDouble() >= nulls) row.add("tsm", r.nextLong() % (Long.MAX_VALUE / 1000));
        if (r.nextDouble() >= nulls) row.add("tsu", big);
        if (r.nextDouble() >= nulls) row.add("d", r.nextInt(50) / 4.0);
        w.write(row);
      }
    }
    return p;
  }

  static Path write(
      Path p,
      int rows,
      double nulls,
      CompressionCodecName codec,
      boolean v2,
      boolean dict,
      int pageSize,
      int rowGroupSize,
      long seed)
      throws IOException {
    return write(p, rows, nulls, codec, v2, dict, pageSize, rowGroupSize, seed, false);
  }

  /**
   * lowCardinality: every column draws from a few dozen values, so dictionaries never fall back.
   */
  static Path write(
      Path p,
      int rows,
      double nulls,
      CompressionCodecName codec,
      boolean v2,
      boolean dict,
      int pageSize,
      int rowGroupSize,
      long seed,
      boolean lowCardinality)
      throws IOException {
    Configuration conf = new Configuration();
    Random r = new Random(seed);
    SimpleGroupFactory g = new SimpleGroupFactory(SCHEMA);
    try (ParquetWriter<Group> w =
        ExampleParquetWriter.builder(new org.apache.hadoop.fs.Path(p.toUri()))
            .withConf(conf)
            .withType(SCHEMA)
            .withCompressionCodec(codec)
            .withDictionaryEncoding(dict)
            .withWriterVersion(
                v2
                    ? ParquetProperties.WriterVersion.PARQUET_2_0
                    : ParquetProperties.WriterVersion.PARQUET_1_0)
            .withPageSize(pageSize)
            .withDictionaryPageSize(64 * 1024)
            .withRowGroupSize((long) rowGroupSize)
            .build()) {
      for (int i = 0; i < rows; i++) {
        Group row = g.newGroup();
        if (r.nextDouble() >= nulls) row.add("b", r.nextBoolean());
        if (r.nextDouble() >= nulls) row.add("i32", lowCardinality ? r.nextInt(50) : r.nextInt());
        row.add("small", r.nextInt(40));
        if (r.nextDouble() >= nulls)
          row.add("i64", r.nextInt(3) == 0 && !lowCardinality ? r.nextLong() : r.nextInt(100));
        if (r.nextDouble() >= nulls)
          row.add("f", lowCardinality ? r.nextInt(40) / 2f : r.nextFloat());
        if (r.nextDouble() >= nulls) row.add("d", r.nextInt(50) / 4.0);
        if (r.nextDouble() >= nulls) row.add("dt", 18000 + r.nextInt(400));
        if (r.nextDouble() >= nulls)
          row.add("s", "v" + r.nextInt(r.nextBoolean() || lowCardinality ? 30 : 100000));
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
