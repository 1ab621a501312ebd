package io.homi.runtime.gpu.decode;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Without a GPU: every decode kernel of native/src/cuda is loaded by {@link DecodeKernels} (a
 * kernel missing from {@code NAMES} is only found when a decode first launches it, on the device).
 */
class DecodeKernelsTest {
  @Test
  void namesListEveryDecodeKernelOfTheSources() throws Exception {
    Path cuda = Path.of("..", "native", "src", "cuda");
    Pattern kernel = Pattern.compile("extern \"C\" __global__ void (homi_dec_\\w+)\\(");
    Set<String> inSources = new TreeSet<>();
    try (Stream<Path> files = Files.list(cuda)) {
      for (Path f : files.filter(p -> p.getFileName().toString().startsWith("decode_")).toList()) {
        Matcher m = kernel.matcher(Files.readString(f));
        while (m.find()) inSources.add(m.group(1));
      }
    }
    assertThat(inSources)
        .as("kernels found in " + cuda.toAbsolutePath())
        .contains("homi_dec_fixed", "homi_dec_ba_dba_copy");
    assertThat(new TreeSet<>(Set.of(DecodeKernels.NAMES))).isEqualTo(inSources);
  }
}
