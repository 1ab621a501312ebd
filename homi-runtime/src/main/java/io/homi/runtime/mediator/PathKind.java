package io.homi.runtime.mediator;

/** The I/O paths a command can be served by; every byte moved is counted against one. */
public enum PathKind {
  /** Buffered pread through the page cache. */
  OS,
  /** O_DIRECT reads on the file, aligned, many in flight. */
  DIRECT,
  /** O_DIRECT reads on the block device by LBA, through the file's grant. */
  DEVICE,
  /** NVMe Read commands on the controller by LBA (io_uring URING_CMD on /dev/ngXnY), through the file's grant. */
  PASSTHROUGH,
  /** Into GPU memory (cuFile or a pinned staging pipeline). */
  GPU;

  public String label() {
    return name().toLowerCase();
  }
}
