package io.homi.runtime.control;

import static org.assertj.core.api.Assertions.assertThat;

import io.homi.runtime.os.OpenFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** FIEMAP on real files of known shape, checked against filefrag and against the shape itself. */
class ExtentMapperTest {
  private static final int B = TestFiles.BLOCK;

  @Test
  void fragmentedFilesFromInterleavedWritesMatchFilefrag() throws Exception {
    Path dir = TestFiles.deviceDir("frag");
    Path a = dir.resolve("a");
    Path b = dir.resolve("b");
    for (int i = 0; i < 64; i++) {
      TestFiles.writeAt(a, (long) i * B, TestFiles.random(B, i));
      TestFiles.writeAt(b, (long) i * B, TestFiles.random(B, 1000 + i));
    }
    for (Path p : List.of(a, b)) {
      ExtentMap map = mapped(p);
      assertMatchesFilefrag(map, TestFiles.filefrag(p));
      assertThat(map.extents()).allSatisfy(e -> assertThat(e.use()).isEqualTo(ExtentUse.DEVICE));
      assertThat(map.bytes(ExtentUse.DEVICE)).isEqualTo(64L * B);
    }
    // Both files interleaved on one disk: their granted blocks never overlap.
    List<LbaRange> ra = mapped(a).lbaRanges();
    List<LbaRange> rb = mapped(b).lbaRanges();
    for (LbaRange x : ra)
      for (LbaRange y : rb) assertThat(x.end() <= y.start() || y.end() <= x.start()).isTrue();
  }

  @Test
  void sparseFileHasHolesWhereNothingWasWrittenAndWalksPastOneBatch() throws Exception {
    Path p = TestFiles.deviceDir("sparse").resolve("sparse");
    int written = Fiemap.BATCH + 44; // more extents than one FIEMAP call returns
    for (int i = 0; i < written; i++) TestFiles.writeAt(p, 2L * i * B, TestFiles.random(B, i));
    TestFiles.writeAt(p, 2L * written * B + 10 * B, new byte[100]); // a tail that ends mid-block
    ExtentMap map = mapped(p);
    assertThat(map.size()).isEqualTo(2L * written * B + 10 * B + 100);
    assertThat(map.extents().stream().filter(e -> !e.isHole()))
        .hasSizeGreaterThanOrEqualTo(written / 2);
    for (int i = 0; i < written; i++) {
      assertThat(map.extents().get(map.indexOf(2L * i * B)).use()).isEqualTo(ExtentUse.DEVICE);
      Extent gap = map.extents().get(map.indexOf((2L * i + 1) * B));
      assertThat(gap.isHole()).as("block %d", 2 * i + 1).isTrue();
      assertThat(gap.use()).isEqualTo(ExtentUse.ZEROS);
    }
    Extent last = map.extents().get(map.extents().size() - 1);
    assertThat(last.end()).isEqualTo(map.size());
    assertThat(last.lbaCount() * map.device().logicalBlockSize())
        .isGreaterThanOrEqualTo(last.length());
    // The map tiles the file exactly: no gaps, no overlaps.
    long pos = 0;
    for (Extent e : map.extents()) {
      assertThat(e.logical()).isEqualTo(pos);
      pos = e.end();
    }
    assertThat(pos).isEqualTo(map.size());
    assertMatchesFilefrag(map, TestFiles.filefrag(p));
  }

  @Test
  void fallocatedExtentsAreUnwrittenAndReadAsZerosNeverFromTheDevice() throws Exception {
    Path p = TestFiles.deviceDir("falloc").resolve("falloc");
    TestFiles.fallocate(p, 1 << 20);
    ExtentMap map = mapped(p);
    assertThat(map.extents())
        .isNotEmpty()
        .allSatisfy(
            e -> {
              assertThat(e.flags() & ExtentFlags.UNWRITTEN).isNotZero();
              assertThat(e.use()).isEqualTo(ExtentUse.ZEROS);
              assertThat(e.lba()).isEqualTo(-1);
            });
    assertThat(map.lbaRanges()).isEmpty();
    assertThat(TestFiles.filefrag(p)).allSatisfy(f -> assertThat(f.flags()).contains("unwritten"));
  }

  @Test
  void delayedAllocationIsRetriedWithSync() throws Exception {
    Path p = TestFiles.deviceDir("delalloc").resolve("dirty");
    Files.write(p, TestFiles.random(3 * B, 7)); // no fsync: ext4 keeps the blocks delayed
    try (OpenFile f = OpenFile.open(p)) {
      ExtentMap map = ExtentMapper.map(f, false);
      assertThat(map.extents())
          .isNotEmpty()
          .allSatisfy(
              e -> {
                assertThat(e.flags() & (ExtentFlags.DELALLOC | ExtentFlags.UNKNOWN)).isZero();
                assertThat(e.use()).isEqualTo(ExtentUse.DEVICE);
              });
    }
  }

  @Test
  void lbaIsTheDiskByteOffsetOverTheLogicalBlockSize() throws Exception {
    Path p = TestFiles.deviceDir("lba").resolve("f");
    TestFiles.writeAt(p, 0, TestFiles.random(5 * B + 17, 3));
    ExtentMap map = mapped(p);
    BlockDevice d = map.device();
    for (Extent e : map.extents()) {
      long diskByte = d.partitionStartSectors() * 512 + e.physical();
      assertThat(e.lba() * d.logicalBlockSize()).isEqualTo(diskByte);
      assertThat(e.lbaCount())
          .isEqualTo((e.length() + d.logicalBlockSize() - 1) / d.logicalBlockSize());
    }
  }

  @Test
  void tmpfsIsOsOnlyWithTheReasonRecorded() throws Exception {
    Path shm = Path.of("/dev/shm");
    org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(shm), "no /dev/shm here");
    Path p = Files.createTempFile(shm, "homi-control", ".bin");
    try {
      Files.write(p, TestFiles.random(10_000, 1));
      try (OpenFile f = OpenFile.open(p)) {
        ExtentMap map = ExtentMapper.map(f, true);
        assertThat(map.osOnlyReason()).isNotNull();
        assertThat(map.lbaRanges()).isEmpty();
        assertThat(map.extents())
            .isNotEmpty()
            .allSatisfy(e -> assertThat(e.use()).isEqualTo(ExtentUse.OS_ONLY));
        assertThat(map.extents().get(0).reason())
            .containsAnyOf("tmpfs", "FIEMAP refused", "anonymous");
      }
    } finally {
      Files.deleteIfExists(p);
    }
  }

  private static ExtentMap mapped(Path p) throws Exception {
    try (OpenFile f = OpenFile.open(p)) {
      ExtentMap map = ExtentMapper.map(f, true);
      assertThat(map.osOnlyReason()).as("why not device-addressed").isNull();
      return map;
    }
  }

  /**
   * Every data extent equals a filefrag extent (in blocks); holes are exactly what filefrag leaves
   * out.
   */
  static void assertMatchesFilefrag(ExtentMap map, List<TestFiles.Frag> frags) {
    List<Extent> data = map.extents().stream().filter(e -> !e.isHole()).toList();
    assertThat(data).hasSameSizeAs(frags);
    for (int i = 0; i < data.size(); i++) {
      Extent e = data.get(i);
      TestFiles.Frag f = frags.get(i);
      assertThat(e.logical() / B).as("extent %d logical", i).isEqualTo(f.logical());
      assertThat(e.physical() / B).as("extent %d physical", i).isEqualTo(f.physical());
      assertThat((e.length() + B - 1) / B).as("extent %d blocks", i).isEqualTo(f.length());
    }
  }
}
