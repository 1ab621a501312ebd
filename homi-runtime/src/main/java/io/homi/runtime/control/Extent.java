package io.homi.runtime.control;

/**
 * One range of a file in an {@link ExtentMap}: where its bytes live and what may read them.
 *
 * @param logical file offset of the first byte
 * @param length bytes, clipped to the mapped range (so the last extent ends at end of file)
 * @param physical file-system byte address (partition-relative), -1 for a hole
 * @param flags FIEMAP fe_flags (0 for a hole)
 * @param use what the I/O paths may do with these bytes
 * @param reason why {@code use} is not DEVICE (null when it is)
 * @param lba first device LBA on the whole disk, -1 unless {@code use} is DEVICE
 * @param lbaCount device blocks covering the extent (the last one may run past end of file)
 */
public record Extent(
    long logical,
    long length,
    long physical,
    int flags,
    ExtentUse use,
    String reason,
    long lba,
    long lbaCount) {
  public static Extent hole(long logical, long length) {
    return new Extent(logical, length, -1, 0, ExtentUse.ZEROS, "hole: reads as zeros", -1, 0);
  }

  public long end() {
    return logical + length;
  }

  /**
   * Nothing allocated here (an OS-only range of a file FIEMAP refused has no address either, but is
   * not a hole).
   */
  public boolean isHole() {
    return physical < 0 && use == ExtentUse.ZEROS;
  }

  public boolean contains(long offset) {
    return offset >= logical && offset < end();
  }
}
