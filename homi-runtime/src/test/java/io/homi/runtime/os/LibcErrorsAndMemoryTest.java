package io.homi.runtime.os;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The native boundary's own types: a failed libc call is an {@link ErrnoException} carrying errno
 * (what callers outside the boundary catch instead of JNA's error), and {@link HostBuffer}'s
 * accessors read and write the kernel's native layout within bounds.
 */
class LibcErrorsAndMemoryTest {
  private static final int ENOENT = 2;
  private static final int EBADF = 9;

  @Test
  void aFailedCallCarriesErrno(@TempDir Path dir) {
    assertThatThrownBy(() -> Libc.open(dir.resolve("missing").toString(), Libc.O_RDONLY))
        .isInstanceOf(ErrnoException.class)
        .satisfies(e -> assertThat(((ErrnoException) e).errno()).isEqualTo(ENOENT))
        .satisfies(e -> assertThat(Libc.errno(e)).isEqualTo(ENOENT));
    assertThatThrownBy(() -> Libc.pread(-1, 0, 1, 0))
        .isInstanceOf(ErrnoException.class)
        .satisfies(e -> assertThat(((ErrnoException) e).errno()).isEqualTo(EBADF));
    assertThat(Libc.errno(new IllegalStateException("not a libc error"))).isEqualTo(-1);
  }

  /**
   * JNA registers the natives of {@code Libc.Sys} only: a {@code native} method declared on {@link
   * Libc} itself would compile and then fail with UnsatisfiedLinkError at its first call.
   */
  @Test
  void everyLibcFunctionIsRegistered(@TempDir Path dir) throws Exception {
    assertThat(java.util.Arrays.stream(Libc.class.getDeclaredMethods()))
        .as("native methods outside Libc.Sys")
        .noneMatch(m -> java.lang.reflect.Modifier.isNative(m.getModifiers()));
    // pwrite (VFIO's only write) through the wrapper, on a file of this test's own.
    Path f = dir.resolve("w.bin");
    Files.write(f, new byte[8]);
    int fd = Libc.open(f.toString(), Libc.O_RDWR | Libc.O_CLOEXEC);
    try (HostBuffer b = new HostBuffer(8)) {
      b.putLong(0, 0x1122334455667788L);
      assertThat(Libc.pwrite(fd, b.address(), 8, 0)).isEqualTo(8);
    } finally {
      Libc.close(fd);
    }
    assertThat(
            java.nio.ByteBuffer.wrap(Files.readAllBytes(f))
                .order(java.nio.ByteOrder.LITTLE_ENDIAN)
                .getLong())
        .isEqualTo(0x1122334455667788L);
  }

  @Test
  void hostBufferAccessorsUseTheNativeLayoutAndCheckBounds(@TempDir Path dir) throws Exception {
    try (HostBuffer b = new HostBuffer(64)) {
      assertThat(b.address() % HostBuffer.ALIGNMENT).isZero();
      b.clear();
      b.putLong(8, 0x0102030405060708L);
      b.putInt(16, 0x0a0b0c0d);
      b.putShort(20, (short) 0x1122);
      ByteBuffer v = b.view(0, 64); // little-endian, as x86-64 and arm64 lay out structs
      assertThat(v.getLong(8)).isEqualTo(0x0102030405060708L);
      assertThat(b.getLong(8)).isEqualTo(0x0102030405060708L);
      assertThat(b.getInt(16)).isEqualTo(0x0a0b0c0d);
      assertThat(v.getShort(20)).isEqualTo((short) 0x1122);
      assertThat(b.getByte(8)).isEqualTo((byte) 0x08);
      assertThat(b.getLong(0)).as("cleared").isZero();
      assertThatThrownBy(() -> b.getLong(60)).isInstanceOf(IndexOutOfBoundsException.class);
      assertThatThrownBy(() -> b.putInt(-1, 0)).isInstanceOf(IndexOutOfBoundsException.class);
      assertThatThrownBy(() -> b.view(32, 33)).isInstanceOf(IndexOutOfBoundsException.class);
      // A system call filling the buffer: pread of a file's bytes at its address.
      Path f = dir.resolve("x.bin");
      Files.write(f, new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
      try (OpenFile file = OpenFile.open(f)) {
        assertThat(Libc.preadFully(file.fd(), b.address() + 32, 8, 0)).isEqualTo(8);
      }
      assertThat(b.getLong(32)).isEqualTo(0x0807060504030201L);
    }
  }
}
