package io.homi.runtime.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The anchor's table and inputs, without a GPU: a row has a cell per header column, ratios and rows
 * read right.
 */
class GpuDecodeAnchorTest {
  @TempDir Path dir;

  private static int cells(String line) {
    return line.split("\\|", -1).length;
  }

  @Test
  void rowHasACellPerColumnAndTheRatioIsCudfTimeOverHomis() throws Exception {
    Path f = Files.write(dir.resolve("a.parquet"), new byte[2_000_000]);
    GpuDecodeAnchor.Row r = new GpuDecodeAnchor.Row("a.parquet", List.of(f));
    r.homiWarm = 0.001;
    r.cudfWarm = 0.002;
    r.chunkedWarm = 0.0025;
    r.homiRows = r.cudfRows = 10;
    r.sums = "all 3";
    String line = GpuDecodeAnchor.line(r);
    assertThat(cells(line))
        .isEqualTo(cells(GpuDecodeAnchor.TABLE_HEAD))
        .isEqualTo(cells(GpuDecodeAnchor.TABLE_RULE));
    // 2 MB in 1 ms = 2 GB/s for homi, 1 GB/s for cuDF: homi 2x faster; cold not measured
    assertThat(line)
        .startsWith(
            "| a.parquet | 2.0 | 10 | 1.00 | 2.00 | 2.50 | 2.00 | 1.00 | 2.00x | - | - | - | - | - | all 3 |");
    r.rowsDiffer = true;
    r.cudfRows = 11;
    r.homiError = "refused: nested column 'x'";
    assertThat(GpuDecodeAnchor.line(r))
        .contains("DIFFER homi 10 cuDF 11")
        .contains("| refused: nested column 'x' |");
  }

  @Test
  void directoriesGiveTheirParquetFilesSorted() throws Exception {
    Files.write(dir.resolve("part-1.parquet"), new byte[1]);
    Files.write(dir.resolve("part-0.parquet"), new byte[1]);
    Files.write(dir.resolve(".part-0.parquet.crc"), new byte[1]);
    Files.write(dir.resolve("_SUCCESS"), new byte[0]);
    assertThat(GpuDecodeAnchor.parquetFiles(dir))
        .extracting(p -> p.getFileName().toString())
        .containsExactly("part-0.parquet", "part-1.parquet");
    assertThatThrownBy(() -> GpuDecodeAnchor.parquetFiles(dir.resolve("nope")))
        .hasMessageContaining("nope");
    assertThatThrownBy(
            () -> GpuDecodeAnchor.parquetFiles(Files.createDirectory(dir.resolve("empty"))))
        .hasMessageContaining("no .parquet files");
  }

  @Test
  void medianOfOddAndEvenCounts() {
    assertThat(GpuDecodeAnchor.median(new double[] {3, 1, 2})).isEqualTo(2);
    assertThat(GpuDecodeAnchor.median(new double[] {4, 1, 2, 3})).isEqualTo(2.5);
  }

  @Test
  void badArgumentsExitTwoBeforeAnyGpuWork() throws Exception {
    assertThat(GpuDecodeAnchor.run(new String[] {"--anchor"})).isEqualTo(2);
    assertThat(GpuDecodeAnchor.run(new String[] {"--anchor", "--bogus"})).isEqualTo(2);
    assertThat(
            GpuDecodeAnchor.run(new String[] {"--anchor", "--e2e", dir.resolve("nope").toString()}))
        .isEqualTo(2);
    // files given, no cuDF on the test classpath: a clear refusal, exit 1
    Files.write(dir.resolve("x.parquet"), new byte[1]);
    assertThat(GpuDecodeAnchor.run(new String[] {"--anchor", "--e2e", dir.toString()}))
        .isEqualTo(1);
  }
}
