package io.homi.runtime.parquet;

import static org.assertj.core.api.Assertions.assertThat;

import io.homi.runtime.HomiConfig;
import io.homi.runtime.HomiRuntime;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.arrow.vector.FieldVector;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Repetition and definition levels of nested columns (lists of optional values inside optional
 * structs, maps) written by parquet-java with data page v1 and v2, read through the runtime and
 * compared with the values written.
 */
class LevelDecodingTest {
  @TempDir Path tmp;

  static final MessageType SCHEMA =
      MessageTypeParser.parseMessageType(
          """
      message t {
        required int32 id;
        optional group s {
          optional group xs (LIST) { repeated group list { optional int64 element; } }
          optional binary name (UTF8);
        }
        optional group m (MAP) { repeated group key_value { required binary key (UTF8); optional int32 value; } }
      }""");

  /** The expected value of each row, as plain Java lists/maps, built with the rows written. */
  record Row(
      Integer id, List<Long> xs, boolean sNull, boolean xsNull, String name, List<Object[]> m) {}

  @ParameterizedTest(name = "v2={0} pageSize={1} codec={2}")
  @CsvSource({
    "false, 64, UNCOMPRESSED",
    "true, 64, SNAPPY",
    "false, 8192, ZSTD",
    "true, 8192, GZIP"
  })
  void nestedLevelsMatchWhatWasWritten(boolean v2, int pageSize, CompressionCodecName codec)
      throws Exception {
    Path file = tmp.resolve("nested.parquet");
    Random r = new Random(pageSize + (v2 ? 1 : 0));
    List<Row> rows = new ArrayList<>();
    SimpleGroupFactory f = new SimpleGroupFactory(SCHEMA);
    try (ParquetWriter<Group> w =
        ExampleParquetWriter.builder(new org.apache.hadoop.fs.Path(file.toUri()))
            .withConf(new Configuration())
            .withType(SCHEMA)
            .withCompressionCodec(codec)
            .withPageSize(pageSize)
            .withDictionaryEncoding(r.nextBoolean())
            .withRowGroupSize(64 * 1024L)
            .withWriterVersion(
                v2
                    ? ParquetProperties.WriterVersion.PARQUET_2_0
                    : ParquetProperties.WriterVersion.PARQUET_1_0)
            .build()) {
      for (int i = 0; i < 3000; i++) {
        Group g = f.newGroup().append("id", i);
        boolean sNull = r.nextInt(6) == 0;
        boolean xsNull = sNull || r.nextInt(5) == 0;
        List<Long> xs = new ArrayList<>();
        String name = null;
        if (!sNull) {
          Group s = g.addGroup("s");
          if (!xsNull) {
            Group l = s.addGroup("xs");
            int n = r.nextInt(5);
            for (int k = 0; k < n; k++) {
              Group e = l.addGroup("list");
              Long v = r.nextInt(4) == 0 ? null : r.nextLong() >> r.nextInt(64);
              if (v != null) e.append("element", v);
              xs.add(v);
            }
          }
          if (r.nextBoolean()) {
            name = "n" + i;
            s.append("name", name);
          }
        }
        List<Object[]> m = null;
        if (r.nextInt(4) != 0) {
          m = new ArrayList<>();
          Group mg = g.addGroup("m");
          for (int k = 0; k < r.nextInt(4); k++) {
            Group kv = mg.addGroup("key_value").append("key", "k" + k);
            Integer v = r.nextBoolean() ? null : i * k;
            if (v != null) kv.append("value", v);
            m.add(new Object[] {"k" + k, v});
          }
        }
        rows.add(new Row(i, xs, sNull, xsNull, name, m));
        w.write(g);
      }
    }
    HomiRuntime rt = HomiRuntime.get();
    try (ParquetFileReader pf = ParquetFileReader.open(rt, file, HomiConfig.defaults())) {
      assertThat(pf.schema().leafCount()).isEqualTo(5);
      assertThat(pf.schema().column("s").isNested()).isTrue();
      int[] groups = new int[pf.rowGroupCount()];
      for (int i = 0; i < groups.length; i++) groups[i] = i;
      int seen = 0;
      try (ParquetBatchReader br =
          new ParquetBatchReader(pf, groups, pf.schema().columns(), rt.allocator(), 333)) {
        int n;
        while ((n = br.next()) > 0) {
          List<FieldVector> v = br.vectors();
          for (int i = 0; i < n; i++) {
            Row want = rows.get(seen + i);
            assertThat(v.get(0).getObject(i)).isEqualTo(want.id());
            Object s = v.get(1).getObject(i);
            if (want.sNull()) {
              assertThat(s).as("row %d s", want.id()).isNull();
            } else {
              @SuppressWarnings("unchecked")
              java.util.Map<String, Object> st = (java.util.Map<String, Object>) s;
              Object xs = st.get("xs");
              if (want.xsNull()) assertThat(xs).as("row %d xs", want.id()).isNull();
              else assertThat(xs).as("row %d xs", want.id()).isEqualTo(want.xs());
              assertThat(st.get("name") == null ? null : st.get("name").toString())
                  .isEqualTo(want.name());
            }
            Object m = v.get(2).getObject(i);
            if (want.m() == null) {
              assertThat(m).as("row %d m", want.id()).isNull();
            } else {
              List<?> entries = (List<?>) m;
              assertThat(entries).as("row %d m", want.id()).hasSize(want.m().size());
              for (int k = 0; k < entries.size(); k++) {
                java.util.Map<?, ?> e = (java.util.Map<?, ?>) entries.get(k);
                assertThat(e.get("key").toString()).isEqualTo(want.m().get(k)[0]);
                assertThat(e.get("value")).isEqualTo(want.m().get(k)[1]);
              }
            }
          }
          seen += n;
        }
      }
      assertThat(seen).isEqualTo(rows.size());
    }
  }
}
