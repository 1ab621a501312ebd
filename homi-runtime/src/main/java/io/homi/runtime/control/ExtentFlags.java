package io.homi.runtime.control;

import java.util.ArrayList;
import java.util.List;

/** The fe_flags bits of a FIEMAP extent (linux/fiemap.h) and their filefrag-style names. */
public final class ExtentFlags {
  public static final int LAST = 0x0001;
  public static final int UNKNOWN = 0x0002;
  public static final int DELALLOC = 0x0004;
  public static final int ENCODED = 0x0008;
  public static final int DATA_ENCRYPTED = 0x0080;
  public static final int NOT_ALIGNED = 0x0100;
  public static final int DATA_INLINE = 0x0200;
  public static final int DATA_TAIL = 0x0400;
  public static final int UNWRITTEN = 0x0800;
  public static final int MERGED = 0x1000;
  public static final int SHARED = 0x2000;

  private static final int[] BITS = {
    LAST,
    UNKNOWN,
    DELALLOC,
    ENCODED,
    DATA_ENCRYPTED,
    NOT_ALIGNED,
    DATA_INLINE,
    DATA_TAIL,
    UNWRITTEN,
    MERGED,
    SHARED
  };
  private static final String[] NAMES = {
    "last",
    "unknown_loc",
    "delalloc",
    "encoded",
    "encrypted",
    "not_aligned",
    "inline",
    "tail_packed",
    "unwritten",
    "merged",
    "shared"
  };

  private ExtentFlags() {}

  /** Names of the set bits, as filefrag prints them; unknown bits as hex so nothing is hidden. */
  public static List<String> names(int flags) {
    List<String> out = new ArrayList<>();
    int rest = flags;
    for (int i = 0; i < BITS.length; i++) {
      if ((flags & BITS[i]) != 0) {
        out.add(NAMES[i]);
        rest &= ~BITS[i];
      }
    }
    if (rest != 0) out.add(String.format("0x%x", rest));
    return out;
  }
}
