package io.homi.runtime.settings;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Product code reads no {@code homi.*} system property itself: every setting goes through {@link
 * HomiSettings}, so that it is documented, checked, and settable from Spark. Test and benchmark
 * code (src/test) may read its own properties.
 */
class NoDirectPropertyReadsTest {
  private static final Pattern DIRECT =
      Pattern.compile(
          "(System\\.getProperty|Integer\\.getInteger|Long\\.getLong|Boolean\\.getBoolean)\\(\\s*\"(homi\\.[A-Za-z.]+)\"");

  @Test
  void everyHomiPropertyIsReadThroughTheRegistry() throws IOException {
    Path root = Path.of("..").toAbsolutePath().normalize();
    List<String> found = new ArrayList<>();
    try (Stream<Path> files = Files.walk(root, 12)) {
      for (Path f :
          files
              .filter(
                  p ->
                      p.toString().endsWith(".java")
                          && p.toString().contains("/src/main/java/")
                          && !p.toString().contains("/target/"))
              .toList()) {
        Matcher m = DIRECT.matcher(Files.readString(f, StandardCharsets.UTF_8));
        while (m.find()) {
          found.add(root.relativize(f) + ": " + m.group());
        }
      }
    }
    assertThat(found)
        .as("direct reads of -Dhomi.* in product code; declare a setting in HomiSettings instead")
        .isEmpty();
  }
}
