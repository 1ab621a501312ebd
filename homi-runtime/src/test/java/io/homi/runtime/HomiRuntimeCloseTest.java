package io.homi.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.homi.runtime.parquet.ParquetFileReader;
import io.homi.runtime.parquet.RowGroupReader;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A runtime of its own (not the JVM's), used for a read and closed: its threads end, the JVM's
 * runtime goes on.
 */
class HomiRuntimeCloseTest {
  @TempDir Path dir;

  @Test
  void closeStopsTheMediatorAndLeavesTheJvmRuntimeAlone() throws Exception {
    Path p = dir.resolve("ids.parquet");
    write(p, 5_000);
    HomiRuntime shared = HomiRuntime.get();
    int before = threads("homi-mediator-");
    HomiRuntime rt = HomiRuntime.create();
    assertThat(threads("homi-mediator-")).as("its own service thread").isGreaterThan(before);
    assertThat(firstIds(rt, p, 3)).containsExactly(0L, 3L, 6L);
    rt.close();
    rt.close(); // idempotent
    assertThat(threads("homi-mediator-")).as("service threads after close").isEqualTo(before);
    assertThat(HomiRuntime.get()).isSameAs(shared);
    assertThat(firstIds(HomiRuntime.get(), p, 2)).containsExactly(0L, 3L);
  }

  private static List<Long> firstIds(HomiRuntime rt, Path p, int n) throws IOException {
    try (ParquetFileReader f = ParquetFileReader.open(rt, p, HomiConfig.defaults());
        BufferAllocator alloc = rt.allocator().newChildAllocator("close-test", 0, Long.MAX_VALUE);
        RowGroupReader rg = f.openRowGroup(0, List.of(f.schema().column("id")));
        BigIntVector v = new BigIntVector("id", alloc)) {
      v.allocateNew(n);
      rg.read(List.of(v), 0, n);
      v.setValueCount(n);
      List<Long> out = new java.util.ArrayList<>();
      for (int i = 0; i < n; i++) out.add(v.get(i));
      return out;
    }
  }

  private static int threads(String prefix) {
    return (int)
        Thread.getAllStackTraces().keySet().stream()
            .filter(t -> t.isAlive() && t.getName().startsWith(prefix))
            .count();
  }

  private static void write(Path file, int rows) throws IOException {
    MessageType schema = MessageTypeParser.parseMessageType("message t { required int64 id; }");
    SimpleGroupFactory f = new SimpleGroupFactory(schema);
    try (ParquetWriter<Group> w =
        ExampleParquetWriter.builder(new org.apache.hadoop.fs.Path(file.toUri()))
            .withConf(new Configuration())
            .withType(schema)
            .build()) {
      for (int i = 0; i < rows; i++) w.write(f.newGroup().append("id", 3L * i));
    }
  }
}
