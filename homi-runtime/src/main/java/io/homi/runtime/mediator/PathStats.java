package io.homi.runtime.mediator;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/** Counters of what the mediator did: bytes and commands per path, refusals and errors. */
public final class PathStats {
  private final EnumMap<PathKind, LongAdder> bytes = new EnumMap<>(PathKind.class);
  private final EnumMap<PathKind, LongAdder> commands = new EnumMap<>(PathKind.class);
  private final LongAdder refused = new LongAdder();
  private final LongAdder errors = new LongAdder();

  public PathStats() {
    for (PathKind k : PathKind.values()) {
      bytes.put(k, new LongAdder());
      commands.put(k, new LongAdder());
    }
  }

  void served(PathKind kind, long n) {
    bytes.get(kind).add(n);
    commands.get(kind).increment();
  }

  void refused() {
    refused.increment();
  }

  void error() {
    errors.increment();
  }

  public Snapshot snapshot() {
    EnumMap<PathKind, Long> b = new EnumMap<>(PathKind.class);
    EnumMap<PathKind, Long> c = new EnumMap<>(PathKind.class);
    for (PathKind k : PathKind.values()) {
      b.put(k, bytes.get(k).sum());
      c.put(k, commands.get(k).sum());
    }
    return new Snapshot(b, c, refused.sum(), errors.sum());
  }

  /** Immutable counter values; {@link #minus} gives what happened between two snapshots. */
  public record Snapshot(Map<PathKind, Long> bytes, Map<PathKind, Long> commands, long refused, long errors) {
    public long bytes(PathKind k) {
      return bytes.get(k);
    }

    public long commands(PathKind k) {
      return commands.get(k);
    }

    public long totalBytes() {
      return bytes.values().stream().mapToLong(Long::longValue).sum();
    }

    public long totalCommands() {
      return commands.values().stream().mapToLong(Long::longValue).sum();
    }

    public Snapshot minus(Snapshot earlier) {
      EnumMap<PathKind, Long> b = new EnumMap<>(PathKind.class);
      EnumMap<PathKind, Long> c = new EnumMap<>(PathKind.class);
      for (PathKind k : PathKind.values()) {
        b.put(k, bytes(k) - earlier.bytes(k));
        c.put(k, commands(k) - earlier.commands(k));
      }
      return new Snapshot(b, c, refused - earlier.refused, errors - earlier.errors);
    }
  }
}
