package io.homi.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.DecimalType;
import org.apache.spark.sql.types.MapType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Property-style: random schemas (flat and nested) with random data, written by Spark (every codec,
 * page v1 and v2, dictionary on and off) and by parquet-java's writer (every codec; PLAIN,
 * dictionary, the v2 delta encodings, BYTE_STREAM_SPLIT), read back by homi equal to Spark's reader
 * on the same files: schema, and every row as JSON (which compares nested binaries by value). Seeds
 * are fixed and printed; the whole class stays under a minute.
 */
@Timeout(120)
class PropertyIT extends SparkTestBase {
  private static final String[] SPARK_CODECS = {
    "uncompressed", "snappy", "gzip", "zstd", "lz4_raw", "lz4"
  };
  private static final CompressionCodecName[] PJ_CODECS = {
    CompressionCodecName.UNCOMPRESSED,
    CompressionCodecName.SNAPPY,
    CompressionCodecName.GZIP,
    CompressionCodecName.ZSTD,
    CompressionCodecName.LZ4_RAW
  };

  @Test
  void randomSchemasWrittenBySpark() throws IOException {
    long t0 = System.nanoTime();
    for (int seed = 0; seed < SPARK_CODECS.length; seed++) {
      Random r = new Random(1000 + seed);
      StructType schema = randomSparkSchema(r, seed % 2 == 0);
      List<Row> rows = new ArrayList<>();
      int n = 200 + r.nextInt(800);
      for (int i = 0; i < n; i++) rows.add(randomRow(r, schema, i));
      Path dir = freshDir("prop-spark-" + seed);
      String codec = SPARK_CODECS[seed % SPARK_CODECS.length];
      boolean v2 = r.nextBoolean();
      boolean dict = r.nextBoolean();
      spark
          .createDataFrame(rows, schema)
          .coalesce(1)
          .write()
          .option("compression", codec)
          .option("parquet.writer.version", v2 ? "PARQUET_2_0" : "PARQUET_1_0")
          .option("parquet.enable.dictionary", String.valueOf(dict))
          .option("parquet.page.size", String.valueOf(512 + r.nextInt(8192)))
          .option("parquet.block.size", String.valueOf(32 * 1024 + r.nextInt(256 * 1024)))
          .parquet(dir.toString());
      compare(
          dir,
          "spark seed "
              + seed
              + " codec "
              + codec
              + " v2 "
              + v2
              + " dict "
              + dict
              + " schema "
              + schema.simpleString());
    }
    System.out.printf("PropertyIT spark-written: %.1f s%n", (System.nanoTime() - t0) / 1e9);
  }

  @Test
  void randomSchemasWrittenByParquetJava() throws IOException {
    long t0 = System.nanoTime();
    for (int seed = 0; seed < 10; seed++) {
      Random r = new Random(2000 + seed);
      List<PjField> fields = new ArrayList<>();
      int count = 2 + r.nextInt(5);
      for (int i = 0; i < count; i++) fields.add(randomPjField(r, "c" + i, seed % 2 == 1 ? 2 : 0));
      StringBuilder s = new StringBuilder("message m { required int64 id;");
      for (PjField f : fields) s.append(' ').append(f.decl());
      MessageType type = MessageTypeParser.parseMessageType(s.append(" }").toString());
      CompressionCodecName codec = PJ_CODECS[seed % PJ_CODECS.length];
      boolean v2 = seed % 3 != 0;
      boolean dict = seed % 4 == 1;
      boolean bss = seed % 4 == 2;
      Path dir = Files.createDirectories(freshDir("prop-pj-" + seed));
      SimpleGroupFactory gf = new SimpleGroupFactory(type);
      try (ParquetWriter<Group> w =
          ExampleParquetWriter.builder(
                  new org.apache.hadoop.fs.Path(dir.resolve("part-0.parquet").toUri()))
              .withType(type)
              .withConf(new Configuration())
              .withCompressionCodec(codec)
              .withWriterVersion(
                  v2
                      ? ParquetProperties.WriterVersion.PARQUET_2_0
                      : ParquetProperties.WriterVersion.PARQUET_1_0)
              .withDictionaryEncoding(dict)
              .withByteStreamSplitEncoding(bss)
              .withPageSize(256 + r.nextInt(4096))
              .withRowGroupSize(16 * 1024L + r.nextInt(128 * 1024))
              .build()) {
        int n = 300 + r.nextInt(1200);
        for (long i = 0; i < n; i++) {
          Group g = gf.newGroup().append("id", i);
          for (PjField f : fields) f.write(g, r);
          w.write(g);
        }
      }
      compare(
          dir,
          "parquet-java seed "
              + seed
              + " codec "
              + codec
              + " v2 "
              + v2
              + " dict "
              + dict
              + " bss "
              + bss
              + " "
              + type);
    }
    System.out.printf("PropertyIT parquet-java-written: %.1f s%n", (System.nanoTime() - t0) / 1e9);
  }

  private static void compare(Path dir, String what) {
    Dataset<Row> ref = spark.read().parquet(dir.toString());
    Dataset<Row> homi =
        spark.read().format("homi").option("homi.batchRows", "777").load(dir.toString());
    assertThat(homi.schema()).as(what).isEqualTo(ref.schema());
    assertThat(homi.orderBy("id").toJSON().collectAsList())
        .as(what)
        .containsExactlyElementsOf(ref.orderBy("id").toJSON().collectAsList());
  }

  // ---- Spark-written: random Spark types and values ----

  private static final DataType[] PRIMITIVES = {
    DataTypes.IntegerType,
    DataTypes.LongType,
    DataTypes.DoubleType,
    DataTypes.FloatType,
    DataTypes.StringType,
    DataTypes.BooleanType,
    DataTypes.BinaryType,
    DataTypes.ShortType,
    DataTypes.ByteType,
    DataTypes.DateType,
    DataTypes.TimestampType,
    DataTypes.createDecimalType(9, 2),
    DataTypes.createDecimalType(18, 4),
    DataTypes.createDecimalType(30, 5)
  };

  static StructType randomSparkSchema(Random r, boolean nested) {
    List<StructField> fs = new ArrayList<>();
    fs.add(DataTypes.createStructField("id", DataTypes.LongType, false));
    int n = 2 + r.nextInt(5);
    for (int i = 0; i < n; i++)
      fs.add(DataTypes.createStructField("c" + i, randomType(r, nested ? 3 : 0), true));
    return DataTypes.createStructType(fs);
  }

  static DataType randomType(Random r, int depth) {
    if (depth == 0 || r.nextInt(3) == 0) return PRIMITIVES[r.nextInt(PRIMITIVES.length)];
    switch (r.nextInt(3)) {
      case 0:
        {
          List<StructField> fs = new ArrayList<>();
          int n = 1 + r.nextInt(3);
          for (int i = 0; i < n; i++)
            fs.add(DataTypes.createStructField("f" + i, randomType(r, depth - 1), true));
          return DataTypes.createStructType(fs);
        }
      case 1:
        return DataTypes.createArrayType(randomType(r, depth - 1), true);
      default:
        return DataTypes.createMapType(
            r.nextBoolean() ? DataTypes.StringType : DataTypes.IntegerType,
            randomType(r, depth - 1),
            true);
    }
  }

  static Row randomRow(Random r, StructType schema, long id) {
    Object[] vals = new Object[schema.fields().length];
    vals[0] = id;
    for (int i = 1; i < vals.length; i++)
      vals[i] = randomValue(r, schema.fields()[i].dataType(), true);
    return RowFactory.create(vals);
  }

  static Object randomValue(Random r, DataType t, boolean nullable) {
    if (nullable && r.nextInt(7) == 0) return null;
    if (t instanceof StructType st) {
      Object[] v = new Object[st.fields().length];
      for (int i = 0; i < v.length; i++) v[i] = randomValue(r, st.fields()[i].dataType(), true);
      return RowFactory.create(v);
    }
    if (t instanceof ArrayType at) {
      List<Object> l = new ArrayList<>();
      int n = r.nextInt(5);
      for (int i = 0; i < n; i++) l.add(randomValue(r, at.elementType(), true));
      return l;
    }
    if (t instanceof MapType mt) {
      Map<Object, Object> m = new LinkedHashMap<>();
      int n = r.nextInt(4);
      for (int i = 0; i < n; i++)
        m.put(randomValue(r, mt.keyType(), false), randomValue(r, mt.valueType(), true));
      return m;
    }
    if (t == DataTypes.IntegerType) return r.nextInt(3) == 0 ? r.nextInt(10) : r.nextInt();
    if (t == DataTypes.LongType) return r.nextLong() >> r.nextInt(64);
    if (t == DataTypes.DoubleType)
      return r.nextInt(5) == 0 ? (double) r.nextInt(4) : r.nextGaussian() * 1e6;
    if (t == DataTypes.FloatType) return (float) r.nextGaussian();
    if (t == DataTypes.StringType)
      return r.nextInt(3) == 0 ? "k" + r.nextInt(5) : "s" + Long.toString(r.nextLong(), 36);
    if (t == DataTypes.BooleanType) return r.nextBoolean();
    if (t == DataTypes.BinaryType) {
      byte[] b = new byte[r.nextInt(12)];
      r.nextBytes(b);
      return b;
    }
    if (t == DataTypes.ShortType) return (short) r.nextInt();
    if (t == DataTypes.ByteType) return (byte) r.nextInt();
    if (t == DataTypes.DateType)
      return java.sql.Date.valueOf(java.time.LocalDate.ofEpochDay(r.nextInt(40000) - 10000));
    if (t == DataTypes.TimestampType)
      return new java.sql.Timestamp(1_600_000_000_000L + r.nextInt(1 << 30) * 1000L);
    if (t instanceof DecimalType d) {
      BigDecimal v =
          BigDecimal.valueOf(
              r.nextLong() % (long) Math.pow(10, Math.min(d.precision(), 18)), d.scale());
      return v;
    }
    throw new IllegalArgumentException(t.toString());
  }

  // ---- parquet-java-written: random Parquet fields and the groups that fill them ----

  interface PjField {
    String decl();

    void write(Group g, Random r);
  }

  private static final String[][] PJ_PRIMITIVES = {
    {"int32", ""},
    {"int64", ""},
    {"double", ""},
    {"float", ""},
    {"boolean", ""},
    {"binary", "(UTF8)"},
    {"int32", "(DATE)"},
    {"int64", "(DECIMAL(18,3))"},
    {"int32", "(DECIMAL(7,2))"},
    {"binary", ""},
    {"fixed_len_byte_array(6)", ""},
    {"int64", "(TIMESTAMP_MICROS)"},
    {"int32", "(INT_16)"}
  };

  static PjField randomPjField(Random r, String name, int depth) {
    String rep = r.nextInt(4) == 0 ? "required" : "optional";
    if (depth == 0 || r.nextInt(3) == 0) {
      String[] p = PJ_PRIMITIVES[r.nextInt(PJ_PRIMITIVES.length)];
      boolean req = rep.equals("required");
      return new PjField() {
        public String decl() {
          return rep + " " + p[0] + " " + name + " " + p[1] + ";";
        }

        public void write(Group g, Random rr) {
          if (!req && rr.nextInt(5) == 0) return;
          switch (p[0]) {
            case "int32" ->
                g.append(
                    name,
                    p[1].contains("DECIMAL")
                        ? rr.nextInt(9_999_999)
                        : p[1].contains("INT_16")
                            ? (int) (short) rr.nextInt()
                            : p[1].contains("DATE")
                                ? rr.nextInt(30000)
                                : rr.nextInt(3) == 0 ? rr.nextInt(9) : rr.nextInt());
            case "int64" ->
                g.append(
                    name,
                    p[1].contains("TIMESTAMP")
                        ? 1_600_000_000_000_000L + rr.nextInt() * 1000L
                        : rr.nextLong() >> rr.nextInt(64) >> (p[1].contains("DECIMAL") ? 4 : 0));
            case "double" -> g.append(name, rr.nextInt(4) == 0 ? 1.5 : rr.nextGaussian());
            case "float" -> g.append(name, (float) rr.nextGaussian());
            case "boolean" -> g.append(name, rr.nextBoolean());
            case "binary" ->
                g.append(
                    name,
                    rr.nextInt(3) == 0
                        ? "v" + rr.nextInt(4)
                        : "x" + Long.toString(rr.nextLong(), 36));
            default -> {
              byte[] b = new byte[6];
              rr.nextBytes(b);
              g.append(name, Binary.fromConstantByteArray(b));
            }
          }
        }
      };
    }
    int kind = r.nextInt(3);
    if (kind == 0) { // struct
      List<PjField> cs = new ArrayList<>();
      int n = 1 + r.nextInt(3);
      for (int i = 0; i < n; i++) cs.add(randomPjField(r, "f" + i, depth - 1));
      return new PjField() {
        public String decl() {
          StringBuilder b = new StringBuilder(rep + " group " + name + " {");
          for (PjField c : cs) b.append(' ').append(c.decl());
          return b.append(" }").toString();
        }

        public void write(Group g, Random rr) {
          if (rep.equals("optional") && rr.nextInt(5) == 0) return;
          Group s = g.addGroup(name);
          for (PjField c : cs) c.write(s, rr);
        }
      };
    }
    if (kind == 1) { // 3-level list of an element field named "element"
      PjField e = randomPjField(r, "element", depth - 1);
      return new PjField() {
        public String decl() {
          return rep + " group " + name + " (LIST) { repeated group list { " + e.decl() + " } }";
        }

        public void write(Group g, Random rr) {
          if (rep.equals("optional") && rr.nextInt(5) == 0) return;
          Group l = g.addGroup(name);
          int n = rr.nextInt(4);
          for (int i = 0; i < n; i++) e.write(l.addGroup("list"), rr);
        }
      };
    }
    PjField v = randomPjField(r, "value", depth - 1);
    return new PjField() { // map with string keys
      public String decl() {
        return rep
            + " group "
            + name
            + " (MAP) { repeated group key_value { required binary key (UTF8); "
            + v.decl()
            + " } }";
      }

      public void write(Group g, Random rr) {
        if (rep.equals("optional") && rr.nextInt(5) == 0) return;
        Group m = g.addGroup(name);
        int n = rr.nextInt(4);
        for (int i = 0; i < n; i++) {
          Group kv = m.addGroup("key_value").append("key", "k" + i);
          v.write(kv, rr);
        }
      }
    };
  }
}
