package io.homi.runtime.io;

/** A byte range of a file: [offset, offset + length). */
public record ByteRange(long offset, long length) {
  public ByteRange {
    if (offset < 0 || length < 0)
      throw new IllegalArgumentException("bad range " + offset + "+" + length);
  }

  public long end() {
    return offset + length;
  }
}
