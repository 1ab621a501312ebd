package io.homi.bench;

import io.homi.runtime.os.Libc;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Cold runs: takes a table's files out of the page cache before each timed run, and measures what
 * is still resident (fincore when installed) so the report can say the run was cold. {@code
 * fadvise}: fdatasync + posix_fadvise(DONTNEED) on each file, through the runtime's Libc (touches
 * only these files; the machine is shared). {@code drop_caches}: sync and {@code echo 1 >
 * /proc/sys/vm/drop_caches} (root only; drops every clean page of the machine).
 */
final class PageCache {
  private PageCache() {}

  static void evict(String method, List<Path> files) throws IOException {
    switch (method) {
      case "fadvise" -> {
        for (Path f : files) {
          int fd = Libc.open(f.toString(), Libc.O_RDONLY | Libc.O_CLOEXEC);
          try {
            Libc.fdatasync(fd);
            int rc = Libc.posix_fadvise(fd, 0, 0, Libc.POSIX_FADV_DONTNEED);
            if (rc != 0)
              throw new IOException(
                  "posix_fadvise(DONTNEED) failed on " + f + ": " + Libc.strerror(rc));
          } finally {
            Libc.close(fd);
          }
        }
      }
      case "drop_caches" -> {
        try {
          new ProcessBuilder("sync").inheritIO().start().waitFor();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IOException("interrupted", e);
        }
        Files.writeString(Path.of("/proc/sys/vm/drop_caches"), "1\n", StandardCharsets.US_ASCII);
      }
      default -> throw new IllegalArgumentException("no eviction method " + method);
    }
  }

  /** Bytes of {@code files} in the page cache, or -1 when fincore is not available. */
  static long residentBytes(List<Path> files) {
    if (files.isEmpty()) return 0;
    List<String> cmd =
        new ArrayList<>(List.of("fincore", "--bytes", "--noheadings", "--output", "RES"));
    files.forEach(f -> cmd.add(f.toString()));
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (p.waitFor() != 0) return -1;
      long sum = 0;
      for (String line : out.split("\n")) if (!line.isBlank()) sum += Long.parseLong(line.trim());
      return sum;
    } catch (IOException | NumberFormatException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }
}
