package io.homi.runtime.os;

import static org.assertj.core.api.Assertions.assertThat;

import io.homi.runtime.mediator.TestData;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The io_uring boundary on a real ext4 file (target/ lives on the build machine's disk): reads
 * equal pread, O_DIRECT alignment is enforced by the kernel, a read past EOF is short, errors come
 * back as -errno in the completion, many reads in flight at once, and a full ring refuses more
 * until completions are reaped.
 */
class IoUringTest {
  static final long SIZE = (4L << 20) + 1808; // 4 MiB and a partial last block
  static final int EBADF = 9;
  static final int EINVAL = 22;

  private IoUring ring;
  private OpenFile file;
  private HostBuffer buf;
  private final Map<Long, Integer> results = new HashMap<>();

  @BeforeEach
  void setUp() throws Exception {
    Path p = TestData.file("uring.bin", SIZE);
    IoUringSupport.assumeAvailable();
    file = OpenFile.open(p);
    ring = IoUring.open(32);
    buf = new HostBuffer(8L << 20);
  }

  @AfterEach
  void tearDown() {
    if (ring != null) ring.close();
    if (file != null) file.close();
    if (buf != null) buf.close();
  }

  /** Submits what is prepared and waits until {@code n} completions have been reaped. */
  private void awaitAll(int n) throws Exception {
    ring.submit();
    while (results.size() < n) {
      if (ring.reap((tag, res) -> results.put(tag, res)) == 0) ring.waitForCompletions(1);
    }
  }

  @Test
  void bufferedAndDirectReadsEqualPread() throws Exception {
    assertThat(ring.capacity()).isEqualTo(64); // the CQ: twice the SQ
    assertThat(ring.prepareRead(file.fd(), buf.address(), 100_000, 12_345, 1)).isTrue();
    assertThat(file.directFd()).isPositive();
    assertThat(ring.prepareRead(file.directFd(), buf.address() + (1 << 20), 1 << 20, 3 * 4096, 2))
        .isTrue();
    awaitAll(2);
    assertThat(results).containsEntry(1L, 100_000).containsEntry(2L, 1 << 20);
    try (HostBuffer ref = new HostBuffer(2 << 20)) {
      Libc.preadFully(file.fd(), ref.address(), 100_000, 12_345);
      Libc.preadFully(file.fd(), ref.address() + (1 << 20), 1 << 20, 3 * 4096);
      assertThat(buf.view(0, 100_000)).isEqualTo(ref.view(0, 100_000));
      assertThat(buf.view(1 << 20, 1 << 20)).isEqualTo(ref.view(1 << 20, 1 << 20));
    }
    assertThat(TestData.matchesWords(buf.view(1 << 20, 1 << 20), 0, 1 << 20, 3 * 4096)).isTrue();
    assertThat(ring.inFlight()).isZero();
  }

  @Test
  void directReadsMustBeAligned() throws Exception {
    // Buffer off the device's DMA alignment (512 bytes or less on Linux 6.x, which no longer asks
    // for a whole logical block of memory alignment).
    ring.prepareRead(file.directFd(), buf.address() + 8, 4096, 0, 1);
    ring.prepareRead(file.directFd(), buf.address(), 4096, 100, 2); // offset off a block
    ring.prepareRead(file.directFd(), buf.address(), 4096, 8192, 3); // aligned
    awaitAll(3);
    assertThat(results)
        .containsEntry(1L, -EINVAL)
        .containsEntry(2L, -EINVAL)
        .containsEntry(3L, 4096);
  }

  @Test
  void readAtEndOfFileIsShort() throws Exception {
    long lastBlock = SIZE & -4096L;
    ring.prepareRead(file.directFd(), buf.address(), 8192, lastBlock, 1);
    ring.prepareRead(file.fd(), buf.address() + 8192, 8192, lastBlock, 2);
    ring.prepareRead(file.fd(), buf.address() + 16384, 4096, SIZE + 4096, 3); // wholly past the end
    awaitAll(3);
    assertThat(results).containsEntry(1L, 1808).containsEntry(2L, 1808).containsEntry(3L, 0);
    assertThat(TestData.firstMismatch(buf.view(0, 1808), 0, 1808, lastBlock, SIZE)).isEqualTo(-1L);
  }

  @Test
  void errorsComeBackAsNegativeErrno() throws Exception {
    ring.prepareRead(1_000_000, buf.address(), 4096, 0, 1); // no such descriptor
    awaitAll(1);
    assertThat(results).containsEntry(1L, -EBADF);
  }

  @Test
  void manyReadsInFlightAndAFullRingRefusesMore() throws Exception {
    // Fill the ring to capacity without submitting: the 65th read is refused, nothing is lost.
    SplittableRandom r = new SplittableRandom(7);
    long[] offsets = new long[400];
    for (int i = 0; i < offsets.length; i++) offsets[i] = r.nextLong(SIZE / 4096 - 4) * 4096;
    int next = 0;
    int sqRefusals = 0;
    while (next < offsets.length || results.size() < offsets.length) {
      while (next < offsets.length
          && ring.prepareRead(
              file.directFd(), buf.address() + (next % 512) * 16384L, 16384, offsets[next], next)) {
        next++;
      }
      if (next < offsets.length) {
        sqRefusals++;
        assertThat(ring.inFlight()).isBetween(1, ring.capacity());
      }
      ring.submit();
      ring.waitForCompletions(1);
      ring.reap((tag, res) -> results.put(tag, res));
    }
    assertThat(sqRefusals).isPositive();
    assertThat(results).hasSize(offsets.length);
    for (int i = 0; i < offsets.length; i++) {
      assertThat(results.get((long) i)).as("read %d", i).isEqualTo(16384);
    }
    // the last reads' bytes are where their tags said
    for (int i = offsets.length - 100; i < offsets.length; i++) {
      ByteBuffer v = buf.view((i % 512) * 16384L, 16384);
      assertThat(TestData.matchesWords(v, 0, 16384, offsets[i])).as("bytes of read %d", i).isTrue();
    }
  }

  @Test
  void theRingIsFullAtItsCapacity() throws Exception {
    int n = 0;
    while (ring.prepareRead(file.fd(), buf.address(), 4096, 0, n)) {
      n++;
      if (n % 32 == 0) ring.submit(); // the SQ holds 32: hand them over, the CQ holds the rest
    }
    assertThat(n).isEqualTo(ring.capacity());
    assertThat(ring.prepareRead(file.fd(), buf.address(), 4096, 0, 999)).isFalse();
    awaitAll(n);
    assertThat(results.values()).containsOnly(4096);
    assertThat(ring.prepareRead(file.fd(), buf.address(), 4096, 0, 999)).isTrue();
    awaitAll(n + 1);
  }
}
