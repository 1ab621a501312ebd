package io.homi.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * JNA types ({@code com.sun.jna}, {@code LastErrorException} among them) stay inside the native
 * boundary classes. The files that still use them outside are listed in {@link #NOT_YET}: the list
 * may only shrink (a new file using JNA fails here; call through {@code os.Libc}, {@code
 * os.IoUring}, {@code gpu.CudaDriver} or {@code gpu.CuFile} instead).
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

  /** Files outside the boundary that still use JNA types (issue 14, item 5). */
  private static final Set<String> NOT_YET =
      Set.of(
          "cli/BenchIoCommand.java",
          "cli/DoctorCommand.java",
          "cli/GpuCheckCommand.java",
          "control/ExtentMapper.java",
          "control/Fiemap.java",
          "control/FileWatcher.java",
          "gpu/GpuInitiatedReader.java",
          "gpu/GpuPath.java",
          "gpu/IoBaselines.java",
          "gpu/KernelArgs.java",
          "gpu/Kernels.java",
          "gpu/PinnedBuffer.java",
          "gpu/decode/DeviceArrayExport.java",
          "gpu/decode/GpuDecoder.java",
          "mediator/CommandExecutor.java",
          "mediator/CommandValidator.java",
          "mediator/DevicePath.java",
          "mediator/DirectPath.java",
          "mediator/OsPath.java",
          "mediator/PageResidency.java",
          "mediator/PassthroughPath.java",
          "os/FileIdentity.java",
          "os/HostBuffer.java");

  @Test
  void jnaTypesStayInsideTheNativeBoundary() throws IOException {
    Path root = Path.of("src", "main", "java", "io", "homi", "runtime");
    Set<String> users = new TreeSet<>();
    try (Stream<Path> files = Files.walk(root)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
        if (Files.readString(f).contains("com.sun.jna"))
          users.add(root.relativize(f).toString().replace('\\', '/'));
      }
    }
    assertThat(users).as("JNA users").containsAll(BOUNDARY);
    users.removeAll(BOUNDARY);
    assertThat(users).as("files outside the native boundary using JNA types").isSubsetOf(NOT_YET);
  }
}
