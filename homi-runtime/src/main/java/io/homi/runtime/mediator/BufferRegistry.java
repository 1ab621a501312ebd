package io.homi.runtime.mediator;

import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * Memory regions that commands may transfer into, each marked host or device memory. The
 * mediator checks every data pointer against it before any I/O, so a command cannot make the
 * host write outside memory its initiator registered; and the kind decides who may write it:
 * host code (preads, zero fills) only ever touches {@link Kind#HOST} regions, while a
 * {@link Kind#DEVICE} region (a CUdeviceptr, not a host address) is written by the GPU path alone.
 */
public final class BufferRegistry {
  /** Where a region's bytes live. */
  public enum Kind {
    /** Host memory (heap-less native or pinned): host code may read and write it. */
    HOST,
    /** GPU device memory: an address in the GPU's space; host code must never dereference it. */
    DEVICE
  }

  private record Region(long length, Kind kind) {}

  private final ConcurrentSkipListMap<Long, Region> regions = new ConcurrentSkipListMap<>();

  /** Registers host memory (the common case). */
  public void register(long address, long length) {
    register(address, length, Kind.HOST);
  }

  public void register(long address, long length, Kind kind) {
    if (address <= 0 || length <= 0 || address + length < address) {
      throw new IllegalArgumentException("bad region " + address + "+" + length);
    }
    regions.put(address, new Region(length, java.util.Objects.requireNonNull(kind, "kind")));
  }

  public void unregister(long address) {
    regions.remove(address);
  }

  /** True when [address, address+length) lies wholly inside one registered region, of any kind. */
  public boolean contains(long address, long length) {
    return kindOf(address, length) != null;
  }

  /** True when [address, address+length) lies wholly inside one registered region of {@code kind}. */
  public boolean contains(long address, long length, Kind kind) {
    return kindOf(address, length) == kind;
  }

  /** The kind of the one registered region holding [address, address+length), or null when none does. */
  public Kind kindOf(long address, long length) {
    if (length < 0 || address <= 0 || address + length < address) return null;
    Map.Entry<Long, Region> e = regions.floorEntry(address);
    if (e == null || address + length > e.getKey() + e.getValue().length()) return null;
    return e.getValue().kind();
  }
}
