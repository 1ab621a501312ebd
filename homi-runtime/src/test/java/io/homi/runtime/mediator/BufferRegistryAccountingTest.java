package io.homi.runtime.mediator;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The registry's byte accounting: what is registered now, and the most at once since a reset. */
class BufferRegistryAccountingTest {
  @Test
  void countsRegisteredBytesAndTheirPeak() {
    BufferRegistry r = new BufferRegistry();
    r.register(4096, 1000);
    r.register(1 << 20, 3000, BufferRegistry.Kind.DEVICE);
    assertThat(r.registeredBytes()).isEqualTo(4000);
    r.unregister(4096);
    assertThat(r.registeredBytes()).isEqualTo(3000);
    assertThat(r.peakRegisteredBytes()).isEqualTo(4000);
    r.register(1 << 20, 500); // re-registering an address replaces its region
    assertThat(r.registeredBytes()).isEqualTo(500);
    r.unregister(12345); // never registered: no change
    assertThat(r.registeredBytes()).isEqualTo(500);
    r.resetPeak();
    assertThat(r.peakRegisteredBytes()).isEqualTo(500);
    r.register(8192, 700);
    assertThat(r.peakRegisteredBytes()).isEqualTo(1200);
    r.unregister(8192);
    r.unregister(1 << 20);
    assertThat(r.registeredBytes()).isZero();
    assertThat(r.peakRegisteredBytes()).isEqualTo(1200);
  }
}
