package io.homi.runtime.control;

import io.homi.runtime.os.FileIdentity;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A file's bytes [0, size) as consecutive extents (holes included), each with its path eligibility,
 * for the identity the file had when mapped. Immutable: a changed file gets a new map, never an
 * edited one.
 *
 * @param device the block device behind the file, null when there is none
 * @param fsType the file system, as statfs names it
 * @param osOnlyReason why no extent of this file may go to the device, or null
 */
public record ExtentMap(
    String path,
    FileIdentity identity,
    String fsType,
    BlockDevice device,
    String osOnlyReason,
    List<Extent> extents) {
  public ExtentMap {
    extents = List.copyOf(extents);
  }

  public long size() {
    return identity.size();
  }

  /** Index of the extent holding {@code offset}, or -1 past end of file. */
  public int indexOf(long offset) {
    int lo = 0;
    int hi = extents.size() - 1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      Extent e = extents.get(mid);
      if (offset < e.logical()) hi = mid - 1;
      else if (offset >= e.end()) lo = mid + 1;
      else return mid;
    }
    return -1;
  }

  /** The extents overlapping [offset, offset + length), in file order. */
  public List<Extent> overlapping(long offset, long length) {
    List<Extent> out = new ArrayList<>();
    int i = indexOf(Math.max(0, offset));
    if (i < 0 || length <= 0) return out;
    for (; i < extents.size() && extents.get(i).logical() < offset + length; i++)
      out.add(extents.get(i));
    return out;
  }

  /** Bytes per use, for summaries. */
  public long bytes(ExtentUse use) {
    return extents.stream().filter(e -> e.use() == use).mapToLong(Extent::length).sum();
  }

  /** The device blocks of every DEVICE extent, sorted and merged: what a grant may allow. */
  public List<LbaRange> lbaRanges() {
    List<LbaRange> raw = new ArrayList<>();
    for (Extent e : extents)
      if (e.use() == ExtentUse.DEVICE) raw.add(new LbaRange(e.lba(), e.lbaCount()));
    raw.sort((a, b) -> Long.compare(a.start(), b.start()));
    List<LbaRange> out = new ArrayList<>();
    for (LbaRange r : raw) {
      LbaRange last = out.isEmpty() ? null : out.get(out.size() - 1);
      if (last != null && r.start() <= last.end()) {
        out.set(
            out.size() - 1,
            new LbaRange(last.start(), Math.max(last.end(), r.end()) - last.start()));
      } else {
        out.add(r);
      }
    }
    return Collections.unmodifiableList(out);
  }
}
