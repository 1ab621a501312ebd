package io.homi.runtime.mediator;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counters of what the mediator did: bytes and path reads per path, commands that reached storage
 * ({@code executed}: the proof that a refused command never did), commands served on the service
 * thread from the page cache ({@code inline}), refusals and errors.
 */
public final class PathStats {
  private final EnumMap<PathKind, LongAdder> bytes = new EnumMap<>(PathKind.class);
  private final EnumMap<PathKind, LongAdder> commands = new EnumMap<>(PathKind.class);
  private final LongAdder refused = new LongAdder();
  private final LongAdder errors = new LongAdder();
  private final LongAdder executed = new LongAdder();
  private final LongAdder inline = new LongAdder();
  private final LongAdder ringed = new LongAdder();

  /**
   * Counters of a part (one queue pair) also add into the whole (the mediator's); null at the top.
   */
  private final PathStats parent;

  public PathStats() {
    this(null);
  }

  public PathStats(PathStats parent) {
    this.parent = parent;
    for (PathKind k : PathKind.values()) {
      bytes.put(k, new LongAdder());
      commands.put(k, new LongAdder());
    }
  }

  void served(PathKind kind, long n) {
    if (parent != null) parent.served(kind, n);
    bytes.get(kind).add(n);
    commands.get(kind).increment();
  }

  /** A command served on the service thread: executed, inline and its bytes, in one walk up. */
  void servedInline(PathKind kind, long n) {
    if (parent != null) parent.servedInline(kind, n);
    executed.increment();
    inline.increment();
    bytes.get(kind).add(n);
    commands.get(kind).increment();
  }

  void refused() {
    if (parent != null) parent.refused();
    refused.increment();
  }

  void error() {
    if (parent != null) parent.error();
    errors.increment();
  }

  void executed() {
    if (parent != null) parent.executed();
    executed.increment();
  }

  /**
   * A command served through io_uring: its O_DIRECT reads (rather than on the I/O thread pool), or
   * a cached read copied with others of its fetch batch by one submission.
   */
  void ringed() {
    if (parent != null) parent.ringed();
    ringed.increment();
  }

  void inline() {
    if (parent != null) parent.inline();
    inline.increment();
  }

  public Snapshot snapshot() {
    EnumMap<PathKind, Long> b = new EnumMap<>(PathKind.class);
    EnumMap<PathKind, Long> c = new EnumMap<>(PathKind.class);
    for (PathKind k : PathKind.values()) {
      b.put(k, bytes.get(k).sum());
      c.put(k, commands.get(k).sum());
    }
    return new Snapshot(
        b, c, refused.sum(), errors.sum(), executed.sum(), inline.sum(), ringed.sum());
  }

  /**
   * Immutable counter values; {@link #minus} gives what happened between two snapshots. {@code
   * commands(kind)} counts reads issued on a path (a command split between the page cache and a
   * cold path counts once on each); {@code executed} counts commands, {@code ringed} those of them
   * served through io_uring (Direct reads, and cached reads batched into one submission); none
   * where io_uring is unavailable: then the I/O thread pool and one preadv2 per command serve them.
   */
  public record Snapshot(
      Map<PathKind, Long> bytes,
      Map<PathKind, Long> commands,
      long refused,
      long errors,
      long executed,
      long inline,
      long ringed) {
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
      return combine(earlier, -1);
    }

    /** Both together: a task's counters over the several files (queue pairs) it read. */
    public Snapshot plus(Snapshot other) {
      return combine(other, 1);
    }

    private Snapshot combine(Snapshot o, long sign) {
      EnumMap<PathKind, Long> b = new EnumMap<>(PathKind.class);
      EnumMap<PathKind, Long> c = new EnumMap<>(PathKind.class);
      for (PathKind k : PathKind.values()) {
        b.put(k, bytes(k) + sign * o.bytes(k));
        c.put(k, commands(k) + sign * o.commands(k));
      }
      return new Snapshot(
          b,
          c,
          refused + sign * o.refused,
          errors + sign * o.errors,
          executed + sign * o.executed,
          inline + sign * o.inline,
          ringed + sign * o.ringed);
    }
  }
}
