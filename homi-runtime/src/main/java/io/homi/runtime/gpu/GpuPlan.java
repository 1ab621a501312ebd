package io.homi.runtime.gpu;

import io.homi.runtime.mediator.Namespace;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits byte-range requests into GPU read commands of whole 4 KiB blocks that fit one staging
 * slot.
 */
final class GpuPlan {
  private GpuPlan() {}

  static List<GpuInitiatedReader.GpuRead> plan(
      List<GpuInitiatedReader.Request> requests, long slotBytes) {
    List<GpuInitiatedReader.GpuRead> out = new ArrayList<>();
    for (GpuInitiatedReader.Request r : requests) {
      long done = 0;
      while (done < r.length()) {
        long at = r.fileOffset() + done;
        long skew = at & (Namespace.LBA_SIZE - 1);
        long n = Math.min(r.length() - done, slotBytes - skew);
        long blocks = (skew + n + Namespace.LBA_SIZE - 1) >>> Namespace.LBA_SHIFT;
        out.add(
            new GpuInitiatedReader.GpuRead(
                at >>> Namespace.LBA_SHIFT,
                (int) blocks - 1,
                (int) skew,
                r.dstOffset() + done,
                (int) n));
        done += n;
      }
    }
    return out;
  }
}
