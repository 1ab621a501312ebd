package io.homi.runtime.control;

/** Device blocks [start, start + count) of a whole disk. */
public record LbaRange(long start, long count) {
  public LbaRange {
    if (start < 0 || count <= 0 || start + count < start)
      throw new IllegalArgumentException("bad LBA range " + start + "+" + count);
  }

  public long end() {
    return start + count;
  }
}
