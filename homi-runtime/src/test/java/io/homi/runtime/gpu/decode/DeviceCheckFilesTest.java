package io.homi.runtime.gpu.decode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.junit.jupiter.api.Test;

/**
 * Writes the parquet-java half of the GPU decode device check into {@code -Dhomi.deviceFiles=DIR}
 * (the device machine has pyarrow but no parquet-java): {@link DecodeTestFiles#writeInts} with
 * DELTA_BINARY_PACKED (v2, no dictionary) and dictionary/PLAIN (v1) pages, the base types, and
 * {@link DecodeTestFiles#writeStrings} (DELTA_BYTE_ARRAY byte arrays from the v2 writer, INT96
 * timestamps dictionary and PLAIN) through every codec the GPU path takes. Copy DIR to the device
 * payload's {@code jfiles/} (native/scripts/device_check_decode.sh). Skipped unless the property is
 * set.
 */
class DeviceCheckFilesTest {
  @Test
  void writeParquetJavaFilesForTheDeviceCheck() throws Exception {
    String dir = System.getProperty("homi.deviceFiles");
    assumeTrue(dir != null, "writes device-check files only with -Dhomi.deviceFiles=DIR");
    Path d = Files.createDirectories(Path.of(dir));
    int k = 0;
    for (CompressionCodecName c :
        new CompressionCodecName[] {
          CompressionCodecName.UNCOMPRESSED,
          CompressionCodecName.SNAPPY,
          CompressionCodecName.ZSTD,
          CompressionCodecName.LZ4_RAW,
          CompressionCodecName.GZIP
        }) {
      for (double nulls : new double[] {0.0, 0.2, 0.99}) {
        for (boolean v2 : new boolean[] {true, false}) {
          DecodeTestFiles.writeInts(
              d.resolve(String.format("j%02d_ints_%s_null%s_v2%s.parquet", k, c, nulls, v2)),
              3000 + 7001 * (k % 3),
              nulls,
              c,
              v2,
              !v2 && nulls > 0.1,
              700 + 900 * (k % 4),
              100 + k);
          k++;
        }
      }
      DecodeTestFiles.write(
          d.resolve(String.format("j%02d_types_%s.parquet", k++, c)),
          12000,
          0.3,
          c,
          false,
          true,
          1500,
          64 * 1024,
          7,
          false);
      for (boolean v2 : new boolean[] {true, false}) {
        DecodeTestFiles.writeStrings(
            d.resolve(String.format("j%02d_strings_%s_v2%s.parquet", k, c, v2)),
            5000 + 9000 * (k % 2),
            v2 ? 0.1 : 0.6,
            c,
            v2,
            !v2 || c.ordinal() % 2 == 0,
            600 + 1100 * (k % 3),
            300 + k);
        k++;
      }
    }
    try (Stream<Path> s = Files.list(d)) {
      assertThat(s.filter(p -> p.getFileName().toString().startsWith("j")).count()).isEqualTo(k);
    }
  }
}
