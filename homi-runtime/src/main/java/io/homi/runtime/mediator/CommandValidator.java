package io.homi.runtime.mediator;

import io.homi.runtime.nvme.NvmeCommand;
import io.homi.runtime.nvme.NvmeStatus;
import io.homi.runtime.os.Libc;

/**
 * Checks a fetched command against its grant before any I/O: opcode, namespace, grant state, data
 * pointer format, transfer size (MDTS), LBA range and destination memory. Refusals carry the NVMe
 * status a controller would post. Touches no storage; it reads only a PRP list, and only after
 * checking that the list itself lies in registered host memory.
 */
final class CommandValidator {
  static final long PAGE = 4096;

  private final NamespaceTable namespaces;
  private final BufferRegistry buffers;
  private final long mdtsBytes;

  /**
   * The last region a destination was found in (racy between service threads, always consistent).
   */
  private volatile BufferRegistry.Lookup last;

  CommandValidator(NamespaceTable namespaces, BufferRegistry buffers, long mdtsBytes) {
    this.namespaces = namespaces;
    this.buffers = buffers;
    this.mdtsBytes = mdtsBytes;
  }

  Validated validate(Command c) {
    if (c.opcode() == NvmeCommand.OPC_WRITE)
      return Validated.refuse(c, NvmeStatus.NAMESPACE_WRITE_PROTECTED);
    if (c.opcode() != NvmeCommand.OPC_READ) return Validated.refuse(c, NvmeStatus.INVALID_OPCODE);
    Namespace ns = namespaces.get(c.nsid());
    if (ns == null) return Validated.refuse(c, NvmeStatus.INVALID_NAMESPACE);
    if (ns.isRevoked()) return Validated.refuse(c, NvmeStatus.ACCESS_DENIED);
    long bytes = c.bytes();
    if (bytes > mdtsBytes) return Validated.refuse(c, NvmeStatus.INVALID_FIELD);
    // Written so that a huge SLBA cannot overflow past the check (slba is unsigned on the wire).
    if (c.slba() < 0 || c.slba() > ns.capacityLbas() - c.blocks()) {
      return Validated.refuse(c, NvmeStatus.LBA_OUT_OF_RANGE);
    }
    long[] segs;
    if (c.psdt() == NvmeCommand.PSDT_SGL) {
      if (c.sglType() != NvmeCommand.SGL_DATA_BLOCK || c.sglSubtype() != 0) {
        return Validated.refuse(c, NvmeStatus.SGL_DESCRIPTOR_TYPE_INVALID);
      }
      if ((c.dptr2() & 0xffffffffL) != bytes)
        return Validated.refuse(c, NvmeStatus.DATA_SGL_LENGTH_INVALID);
      segs = new long[] {c.dptr1(), bytes};
    } else if (c.psdt() == NvmeCommand.PSDT_PRP) {
      if ((c.dptr1() & 3) != 0) return Validated.refuse(c, NvmeStatus.PRP_OFFSET_INVALID);
      long first = Math.min(bytes, PAGE - (c.dptr1() & (PAGE - 1)));
      long rest = bytes - first;
      // The list is read here, by host code: it must lie in registered HOST memory. A list in
      // device memory (or anywhere else) is refused before it is dereferenced.
      if (rest > PAGE && !buffers.contains(c.dptr2(), listBytes(rest), BufferRegistry.Kind.HOST)) {
        return Validated.refuse(
            c, NvmeStatus.DATA_TRANSFER_ERROR); // the PRP list itself is unreadable
      }
      segs = prpSegments(c.dptr1(), first, c.dptr2(), rest);
      if (segs == null) return Validated.refuse(c, NvmeStatus.PRP_OFFSET_INVALID);
    } else {
      return Validated.refuse(
          c, NvmeStatus.INVALID_FIELD); // PSDT 2 (metadata SGL) and 3 (reserved)
    }
    // Every segment in registered memory, all of one kind: a command writes host memory or
    // device memory, never both (the two are written by different code).
    BufferRegistry.Kind kind = null;
    for (int i = 0; i < segs.length; i += 2) {
      BufferRegistry.Kind k = kindOf(segs[i], segs[i + 1]);
      if (k == null || (kind != null && k != kind))
        return Validated.refuse(c, NvmeStatus.DATA_TRANSFER_ERROR);
      kind = k;
    }
    return new Validated(NvmeStatus.SUCCESS, c, ns, segs, kind == BufferRegistry.Kind.DEVICE);
  }

  private BufferRegistry.Kind kindOf(long address, long length) {
    BufferRegistry.Lookup l = last;
    if (l != null && l.holds(address, length, buffers.version())) return l.kind();
    l = buffers.lookup(address, length);
    if (l == null) return null;
    last = l;
    return l.kind();
  }

  private static long listBytes(long rest) {
    return ((rest + PAGE - 1) / PAGE) * 8L;
  }

  /**
   * PRP1 covers to the end of its page; PRP2 is the second page, or for longer transfers the
   * address of a PRP list (quadword aligned; one contiguous list: HOMI's MDTS fits in one list of
   * 8-byte entries, so list chaining is not used). Every entry after PRP1 must be page aligned.
   * Physically contiguous entries merge into one segment, so a read of contiguous pages costs one
   * system call rather than one per page. Null when an entry is malformed.
   */
  private static long[] prpSegments(long prp1, long first, long prp2, long rest) {
    if (rest == 0) return new long[] {prp1, first};
    if (rest <= PAGE) {
      if ((prp2 & (PAGE - 1)) != 0) return null; // a data page: no offset allowed
      return merge(new long[] {prp1, first, prp2, rest}, 4);
    }
    if ((prp2 & 7) != 0) return null; // a PRP list pointer: quadword aligned, may sit inside a page
    int pages = (int) ((rest + PAGE - 1) / PAGE);
    long[] segs = new long[2 + 2 * pages];
    segs[0] = prp1;
    segs[1] = first;
    for (int i = 0; i < pages; i++) {
      long page = Libc.getLong(prp2 + i * 8L);
      if (page == 0 || (page & (PAGE - 1)) != 0) return null;
      segs[2 + 2 * i] = page;
      segs[3 + 2 * i] = Math.min(PAGE, rest - (long) i * PAGE);
    }
    return merge(segs, segs.length);
  }

  private static long[] merge(long[] segs, int n) {
    int out = 0;
    for (int i = 0; i < n; i += 2) {
      if (out > 0 && segs[out - 2] + segs[out - 1] == segs[i]) {
        segs[out - 1] += segs[i + 1];
      } else {
        segs[out] = segs[i];
        segs[out + 1] = segs[i + 1];
        out += 2;
      }
    }
    return out == segs.length ? segs : java.util.Arrays.copyOf(segs, out);
  }
}
