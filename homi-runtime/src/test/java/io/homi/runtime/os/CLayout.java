package io.homi.runtime.os;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Sizes and offsets of C structs as the C compiler lays them out: a tiny program printing {@code
 * name value} lines for the expressions given (sizeof, offsetof) is compiled with the system's
 * {@code cc} and run. Layout tests compare the Java constants with it; without a C compiler they
 * are skipped (the reason says so).
 */
public final class CLayout {
  private CLayout() {}

  /** The C compiler, or null when none is installed. */
  public static String compiler() {
    for (String cc : List.of("/usr/bin/cc", "/usr/bin/gcc", "/usr/bin/clang"))
      if (Files.isExecutable(Path.of(cc))) return cc;
    return null;
  }

  /**
   * Values of {@code expressions} (name to a C expression of type size_t) after {@code prelude}
   * (includes and struct definitions).
   */
  public static Map<String, Long> of(String prelude, Map<String, String> expressions)
      throws IOException, InterruptedException {
    Path dir = Files.createTempDirectory("homi-clayout");
    try {
      StringBuilder c =
          new StringBuilder(prelude)
              .append("\n#include <stdio.h>\n#include <stddef.h>\nint main(void) {\n");
      expressions.forEach(
          (name, expr) ->
              c.append("  printf(\"%s %zu\\n\", \"")
                  .append(name)
                  .append("\", (size_t) (")
                  .append(expr)
                  .append("));\n"));
      c.append("  return 0;\n}\n");
      Path src = dir.resolve("layout.c");
      Path exe = dir.resolve("layout");
      Files.writeString(src, c);
      run(List.of(compiler(), "-o", exe.toString(), src.toString()), dir);
      String out = run(List.of(exe.toString()), dir);
      Map<String, Long> values = new LinkedHashMap<>();
      for (String line : out.split("\n")) {
        if (line.isBlank()) continue;
        String[] kv = line.trim().split(" ");
        values.put(kv[0], Long.parseLong(kv[1]));
      }
      return values;
    } finally {
      try (var files = Files.walk(dir)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private static String run(List<String> cmd, Path dir) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException(cmd + " did not finish in 60 s");
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.exitValue() != 0) throw new IOException(cmd + " failed (" + p.exitValue() + "): " + out);
    return out;
  }
}
