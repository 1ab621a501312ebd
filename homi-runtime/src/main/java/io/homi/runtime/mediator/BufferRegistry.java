package io.homi.runtime.mediator;

import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * Memory regions that commands may transfer into, each marked host or device memory. The mediator
 * checks every data pointer against it before any I/O, so a command cannot make the host write
 * outside memory its initiator registered; and the kind decides who may write it: host code
 * (preads, zero fills) only ever touches {@link Kind#HOST} regions, while a {@link Kind#DEVICE}
 * region (a CUdeviceptr, not a host address) is written by the GPU path alone.
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

  /**
   * Bytes registered now, and the most registered at once since the last {@link #resetPeak()}: what
   * reads may hold.
   */
  private final java.util.concurrent.atomic.AtomicLong registeredBytes =
      new java.util.concurrent.atomic.AtomicLong();

  private final java.util.concurrent.atomic.AtomicLong peakBytes =
      new java.util.concurrent.atomic.AtomicLong();

  /**
   * Told the start address of a region about to stop being what it was (unregistered, or registered
   * anew at the same address): a path that gave a device DMA access to it (the VF path) revokes
   * that access before the memory can be reused.
   */
  private final java.util.concurrent.CopyOnWriteArrayList<java.util.function.LongConsumer>
      onRelease = new java.util.concurrent.CopyOnWriteArrayList<>();

  public void onRelease(java.util.function.LongConsumer listener) {
    onRelease.add(listener);
  }

  public void removeOnRelease(java.util.function.LongConsumer listener) {
    onRelease.remove(listener);
  }

  /** Bumped on every change, so a cached lookup ({@link Lookup}) can tell it may be stale. */
  private volatile long version;

  /** Registers host memory (the common case). */
  public void register(long address, long length) {
    register(address, length, Kind.HOST);
  }

  public void register(long address, long length, Kind kind) {
    if (address <= 0 || length <= 0 || address + length < address) {
      throw new IllegalArgumentException("bad region " + address + "+" + length);
    }
    if (regions.containsKey(address)) for (var l : onRelease) l.accept(address);
    Region old =
        regions.put(address, new Region(length, java.util.Objects.requireNonNull(kind, "kind")));
    long now = registeredBytes.addAndGet(length - (old == null ? 0 : old.length()));
    peakBytes.accumulateAndGet(now, Math::max);
    version++;
  }

  public void unregister(long address) {
    for (var l : onRelease) l.accept(address);
    Region old = regions.remove(address);
    if (old != null) registeredBytes.addAndGet(-old.length());
    version++;
  }

  /** Bytes of all regions registered now (host and device). */
  public long registeredBytes() {
    return registeredBytes.get();
  }

  /** The most bytes registered at once since the last {@link #resetPeak()} (or since creation). */
  public long peakRegisteredBytes() {
    return peakBytes.get();
  }

  /** Starts a new peak from what is registered now (a test measures one scan's peak this way). */
  public void resetPeak() {
    peakBytes.set(registeredBytes.get());
  }

  /** True when [address, address+length) lies wholly inside one registered region, of any kind. */
  public boolean contains(long address, long length) {
    return kindOf(address, length) != null;
  }

  /**
   * True when [address, address+length) lies wholly inside one registered region of {@code kind}.
   */
  public boolean contains(long address, long length, Kind kind) {
    return kindOf(address, length) == kind;
  }

  /**
   * The region a lookup last found, with the registry version it was found under: consecutive
   * commands nearly always land in the same buffer, so the validator asks this first and the skip
   * list only on a miss or after any change to the registry.
   */
  record Lookup(long start, long end, Kind kind, long version) {
    boolean holds(long address, long length, long current) {
      return version == current
          && address >= start
          && length >= 0
          && address + length >= address
          && address + length <= end;
    }
  }

  long version() {
    return version;
  }

  /** The region holding [address, address+length) as a {@link Lookup}, or null when none does. */
  Lookup lookup(long address, long length) {
    long v = version;
    if (length < 0 || address <= 0 || address + length < address) return null;
    Map.Entry<Long, Region> e = regions.floorEntry(address);
    if (e == null || address + length > e.getKey() + e.getValue().length()) return null;
    return new Lookup(e.getKey(), e.getKey() + e.getValue().length(), e.getValue().kind(), v);
  }

  /**
   * The kind of the one registered region holding [address, address+length), or null when none
   * does.
   */
  public Kind kindOf(long address, long length) {
    if (length < 0 || address <= 0 || address + length < address) return null;
    Map.Entry<Long, Region> e = regions.floorEntry(address);
    if (e == null || address + length > e.getKey() + e.getValue().length()) return null;
    return e.getValue().kind();
  }
}
