package io.homi.runtime.parquet;

import static org.assertj.core.api.Assertions.assertThat;

import io.homi.runtime.HomiConfig;
import io.homi.runtime.HomiRuntime;
import io.homi.runtime.os.FileIdentity;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The JVM's parsed footers: reused while the file is the same, never once it was rewritten under
 * the same path (same inode, new bytes), and bounded by files and column chunks.
 */
class FooterCacheTest {
  @TempDir Path dir;

  @Test
  void aSecondOpenReusesTheFooterAndARewrittenFileIsReadAnew() throws IOException {
    Path p = dir.resolve("t.parquet");
    TestParquetFiles.writeIds(p, 30_000, 7);
    HomiRuntime rt = HomiRuntime.get();
    FileMetaDataHolder first = new FileMetaDataHolder();
    try (ParquetFileReader f = ParquetFileReader.open(rt, p, HomiConfig.defaults())) {
      first.md = f.metadata();
      assertThat(f.pathStats().totalBytes()).as("footer read through the runtime").isPositive();
    }
    long hits = rt.footers().hits();
    try (ParquetFileReader f = ParquetFileReader.open(rt, p, HomiConfig.defaults())) {
      assertThat(f.metadata()).as("the cached footer").isSameAs(first.md);
      assertThat(rt.footers().hits()).isEqualTo(hits + 1);
      assertThat(f.pathStats().totalBytes()).as("no footer I/O on a hit").isZero();
      assertThat(firstValues(rt, f, 2)).containsExactly(0L, 7L);
    }

    // Same path, same inode, other bytes: written in place over the old file.
    Path other = dir.resolve("other.parquet");
    TestParquetFiles.writeIds(other, 20_000, 3);
    long ino = identity(p).ino();
    Files.write(
        p,
        Files.readAllBytes(other),
        StandardOpenOption.TRUNCATE_EXISTING,
        StandardOpenOption.WRITE);
    assertThat(identity(p).ino()).as("rewritten in place").isEqualTo(ino);
    try (ParquetFileReader f = ParquetFileReader.open(rt, p, HomiConfig.defaults())) {
      assertThat(f.metadata()).as("a new footer").isNotSameAs(first.md);
      assertThat(f.metadata().getNum_rows()).isEqualTo(20_000);
      assertThat(firstValues(rt, f, 3)).containsExactly(0L, 3L, 6L);
    }
  }

  @Test
  void boundedByFilesAndChunksLeastRecentlyUsedOut() throws IOException {
    Path a = dir.resolve("a.parquet");
    TestParquetFiles.writeIds(a, 30_000);
    FooterCache.Footer footer;
    FileIdentity id = identity(a);
    try (ParquetFileReader f =
        ParquetFileReader.open(HomiRuntime.get(), a, HomiConfig.defaults())) {
      footer = new FooterCache.Footer(f.metadata(), f.schema());
    }
    FooterCache byFiles = new FooterCache(2, 1 << 20);
    byFiles.put("/a", id, footer);
    byFiles.put("/b", id, footer);
    assertThat(byFiles.get("/a", id)).isNotNull(); // /a now most recently used
    byFiles.put("/c", id, footer);
    assertThat(byFiles.size()).isEqualTo(2);
    assertThat(byFiles.get("/b", id)).as("least recently used, evicted").isNull();
    assertThat(byFiles.get("/a", id)).isNotNull();

    long weight = 1 + footer.metadata().getRow_groupsSize();
    FooterCache byChunks = new FooterCache(100, 2 * weight);
    byChunks.put("/a", id, footer);
    byChunks.put("/b", id, footer);
    byChunks.put("/c", id, footer);
    assertThat(byChunks.size()).isEqualTo(2);
    assertThat(new FooterCache(0, 1 << 20))
        .satisfies(
            c -> {
              c.put("/a", id, footer);
              assertThat(c.size()).as("0 files: disabled").isZero();
            });
    FileIdentity changed =
        new FileIdentity(id.dev(), id.ino(), id.size() + 1, id.mtimeNanos(), id.ctimeNanos());
    assertThat(byChunks.get("/c", changed)).as("another identity").isNull();
    assertThat(byChunks.get("/c", id)).as("dropped once the file was seen changed").isNull();
  }

  private static final class FileMetaDataHolder {
    org.apache.parquet.format.FileMetaData md;
  }

  private static FileIdentity identity(Path p) throws IOException {
    try (io.homi.runtime.os.OpenFile f = io.homi.runtime.os.OpenFile.open(p)) {
      return f.identity();
    }
  }

  private static List<Long> firstValues(HomiRuntime rt, ParquetFileReader f, int n)
      throws IOException {
    try (BufferAllocator alloc =
            rt.allocator().newChildAllocator("footer-cache-test", 0, Long.MAX_VALUE);
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
}
