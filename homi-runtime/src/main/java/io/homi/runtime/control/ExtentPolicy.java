package io.homi.runtime.control;

/**
 * The per-flag policy: which FIEMAP extents the device path may read by LBA. The rule is "device
 * only where the physical address is a plain, final, byte-for-byte location of the file's data",
 * because a device read bypasses everything the file system would otherwise do.
 *
 * <table>
 *   <tr><th>flag</th><th>use</th><th>why</th></tr>
 *   <tr><td>UNKNOWN</td><td>OS only</td><td>no location yet (retry with FIEMAP_FLAG_SYNC)</td></tr>
 *   <tr><td>DELALLOC</td><td>OS only</td><td>data only in the page cache (retry with SYNC)</td></tr>
 *   <tr><td>ENCODED</td><td>OS only</td><td>compressed or otherwise transformed on disk</td></tr>
 *   <tr><td>DATA_ENCRYPTED</td><td>OS only</td><td>ciphertext on disk</td></tr>
 *   <tr><td>NOT_ALIGNED</td><td>OS only</td><td>not block aligned: no exact LBA</td></tr>
 *   <tr><td>DATA_INLINE</td><td>OS only</td><td>inside metadata (inode), not a data block</td></tr>
 *   <tr><td>DATA_TAIL</td><td>OS only</td><td>packed with other files' tails</td></tr>
 *   <tr><td>UNWRITTEN</td><td>zeros</td><td>allocated, never written: disk holds stale bytes</td></tr>
 *   <tr><td>SHARED</td><td>device</td><td>reflinked: same bytes, read-only use is safe</td></tr>
 *   <tr><td>MERGED, LAST</td><td>device</td><td>bookkeeping only</td></tr>
 * </table>
 */
public final class ExtentPolicy {
  /** Flags that make a physical address unusable for a device read. */
  static final int OS_ONLY_FLAGS =
      ExtentFlags.UNKNOWN
          | ExtentFlags.DELALLOC
          | ExtentFlags.ENCODED
          | ExtentFlags.DATA_ENCRYPTED
          | ExtentFlags.NOT_ALIGNED
          | ExtentFlags.DATA_INLINE
          | ExtentFlags.DATA_TAIL;

  /**
   * Flags that a FIEMAP_FLAG_SYNC retry can clear: writeback allocates delayed extents. Inline,
   * encrypted or encoded data stays so after a sync, so retrying for those would only cost time.
   */
  static final int SYNC_CAN_HELP = ExtentFlags.UNKNOWN | ExtentFlags.DELALLOC;

  private ExtentPolicy() {}

  /** A decision with the reason a reader of {@code homi inspect} needs when it is not DEVICE. */
  public record Decision(ExtentUse use, String reason) {}

  public static Decision decide(int flags) {
    int bad = flags & OS_ONLY_FLAGS;
    if (bad != 0)
      return new Decision(
          ExtentUse.OS_ONLY, "flags " + ExtentFlags.names(bad) + ": no plain device location");
    // UNWRITTEN after the OS-only flags: an unwritten extent that is also delalloc is still
    // OS-only.
    if ((flags & ExtentFlags.UNWRITTEN) != 0)
      return new Decision(ExtentUse.ZEROS, "unwritten: reads as zeros");
    return new Decision(ExtentUse.DEVICE, null);
  }

  public static boolean syncCanHelp(int flags) {
    return (flags & SYNC_CAN_HELP) != 0;
  }
}
