package io.homi.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * JNA types ({@code com.sun.jna}, {@code LastErrorException} among them) stay inside the native
 * boundary classes, in the runtime and in {@code homi-tools} alike: a file elsewhere that names one
 * fails here (call through {@code os.Libc} (its {@code ErrnoException}, {@code Libc.Allocation}, or
 * {@code os.HostBuffer}), {@code os.IoUring}, {@code gpu.CudaDriver} or {@code gpu.CuFile}
 * instead). The files listed in {@link #NOT_YET} still use them; the list may only shrink: a listed
 * file that no longer uses JNA fails too, until it is taken off.
 */
class NativeBoundaryTest {
  private static final Set<String> BOUNDARY =
      Set.of(
          "os/Libc.java",
          "os/IoUring.java",
          "os/Vfio.java",
          "os/NvmeAdmin.java",
          "gpu/CudaDriver.java",
          "gpu/CuFile.java");

  /**
   * Files outside the boundary that still use JNA types (issue 14, item 5): the two that build C
   * ABI structures for the driver, a kernel's {@code void**} argument array ({@code KernelArgs})
   * and the Arrow C Device Data Interface with its release callbacks ({@code DeviceArrayExport}).
   */
  private static final Set<String> NOT_YET =
      Set.of("gpu/KernelArgs.java", "gpu/decode/DeviceArrayExport.java");

  @Test
  void jnaTypesStayInsideTheNativeBoundary() throws IOException {
    Set<String> users = new TreeSet<>();
    // Tests run in the module's directory; homi-tools (the CLI and the GPU check tools) is beside
    // it.
    for (Path root :
        List.of(
            Path.of("src", "main", "java", "io", "homi", "runtime"),
            Path.of("..", "homi-tools", "src", "main", "java", "io", "homi", "runtime"))) {
      assertThat(root).as("source root").isDirectory();
      try (Stream<Path> files = Files.walk(root)) {
        for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
          if (Files.readString(f).contains("com.sun.jna"))
            users.add(root.relativize(f).toString().replace('\\', '/'));
        }
      }
    }
    assertThat(users).as("JNA users").containsAll(BOUNDARY);
    users.removeAll(BOUNDARY);
    assertThat(users).as("files outside the native boundary using JNA types").isSubsetOf(NOT_YET);
    assertThat(NOT_YET)
        .as("listed as still using JNA, but no longer do: take them off the list")
        .isSubsetOf(users);
  }
}
