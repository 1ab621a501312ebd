package io.homi.runtime.gpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The bound and reuse rules of the pool the pinned host copies come from, on plain objects (the
 * pool's logic needs no GPU; its pinned buffers are exercised by the GPU-tagged tests).
 */
class BufferPoolTest {
  /** A buffer that records whether it was freed. */
  static final class Buf {
    final long capacity;
    boolean freed;

    Buf(long capacity) {
      this.capacity = capacity;
    }
  }

  private final List<Buf> allocated = new ArrayList<>();

  private BufferPool<Buf> pool(long limit) {
    return new BufferPool<>(
        limit,
        100,
        n -> {
          Buf b = new Buf(n);
          allocated.add(b);
          return b;
        },
        b -> b.capacity,
        b -> {
          assertThat(b.freed).as("freed twice").isFalse();
          b.freed = true;
        });
  }

  @Test
  void buffersAreReusedRoundedAndBounded() {
    BufferPool<Buf> p = pool(1000);
    Buf a = p.take(250);
    assertThat(a.capacity).as("rounded up to the granule").isEqualTo(300);
    p.give(a);
    assertThat(p.take(120)).as("the idle buffer is large enough: reused").isSameAs(a);
    Buf b = p.take(600);
    assertThat(p.heldBytes()).isEqualTo(900);
    assertThat(p.inUseBytes()).isEqualTo(900);
    assertThat(p.take(200)).as("over the bound with nothing idle: none").isNull();
    p.give(b);
    Buf c = p.take(650);
    assertThat(c).as("the idle 600 is too small: freed to make room for a new 700").isNotSameAs(b);
    assertThat(b.freed).isTrue();
    assertThat(c.capacity).isEqualTo(700);
    assertThat(p.heldBytes()).isEqualTo(1000);
    assertThat(p.take(1001)).as("larger than the bound: none, idle buffers kept").isNull();
    p.give(a);
    p.give(c);
    assertThat(p.inUseBytes()).isZero();
    assertThat(p.heldBytes()).isEqualTo(1000);
    p.close();
    assertThat(p.heldBytes()).isZero();
    assertThat(allocated).allMatch(x -> x.freed);
    assertThatThrownBy(() -> p.take(1)).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void aLowerBoundFreesIdleNowAndInUseOnReturn() {
    BufferPool<Buf> p = pool(1000);
    Buf a = p.take(400);
    Buf b = p.take(400);
    p.give(a);
    p.setLimit(0);
    assertThat(a.freed).isTrue();
    assertThat(p.take(1)).as("bound 0: never pinned").isNull();
    p.give(b);
    assertThat(b.freed).as("over the bound when it came back").isTrue();
    assertThat(p.heldBytes()).isZero();
    assertThat(p.inUseBytes()).isZero();
  }

  @Test
  void aFailedAllocationGivesUpItsReservation() {
    BufferPool<Buf> p =
        new BufferPool<>(
            1000,
            100,
            n -> {
              throw new IllegalStateException("no memory");
            },
            b -> b.capacity,
            b -> b.freed = true);
    assertThatThrownBy(() -> p.take(100)).hasMessage("no memory");
    assertThat(p.heldBytes()).isZero();
    assertThat(p.inUseBytes()).isZero();
  }

  @Test
  void aBufferReturnedAfterCloseIsFreed() {
    BufferPool<Buf> p = pool(1000);
    Buf a = p.take(100);
    p.close();
    p.give(a);
    assertThat(a.freed).isTrue();
    assertThat(p.heldBytes()).isZero();
  }
}
