package io.homi.runtime.mediator;

import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * Memory regions that commands may transfer into. The mediator checks every data pointer
 * against it before any I/O, so a command cannot make the host write outside memory its
 * initiator registered.
 */
public final class BufferRegistry {
  private final ConcurrentSkipListMap<Long, Long> regions = new ConcurrentSkipListMap<>();

  public void register(long address, long length) {
    if (address <= 0 || length <= 0) throw new IllegalArgumentException("bad region " + address + "+" + length);
    regions.put(address, length);
  }

  public void unregister(long address) {
    regions.remove(address);
  }

  /** True when [address, address+length) lies wholly inside one registered region. */
  public boolean contains(long address, long length) {
    if (length < 0 || address <= 0 || address + length < address) return false;
    Map.Entry<Long, Long> e = regions.floorEntry(address);
    return e != null && address + length <= e.getKey() + e.getValue();
  }
}
