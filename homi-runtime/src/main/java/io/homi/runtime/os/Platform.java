package io.homi.runtime.os;

/** Facts about the OS and CPU the native boundaries need; HOMI's native paths are Linux-only. */
public final class Platform {
  public static final String LIBC = "c";
  public static final boolean IS_LINUX =
      System.getProperty("os.name", "").toLowerCase().contains("linux");
  public static final boolean IS_AARCH64 = "aarch64".equals(System.getProperty("os.arch"));

  private Platform() {}
}
