package io.homi.runtime.nvme;

/**
 * NVMe completion status: status code type (SCT) and status code (SC), as the base spec numbers
 * them. Refusals and I/O errors complete with one of these, never by an exception crossing the
 * queue.
 */
public enum NvmeStatus {
  SUCCESS(0, 0x00, "Successful Completion"),
  INVALID_OPCODE(0, 0x01, "Invalid Command Opcode"),
  INVALID_FIELD(0, 0x02, "Invalid Field in Command"),
  COMMAND_ID_CONFLICT(0, 0x03, "Command ID Conflict"),
  DATA_TRANSFER_ERROR(0, 0x04, "Data Transfer Error"),
  INTERNAL_ERROR(0, 0x06, "Internal Error"),
  INVALID_NAMESPACE(0, 0x0B, "Invalid Namespace or Format"),
  DATA_SGL_LENGTH_INVALID(0, 0x0F, "Data SGL Length Invalid"),
  SGL_DESCRIPTOR_TYPE_INVALID(0, 0x11, "SGL Descriptor Type Invalid"),
  PRP_OFFSET_INVALID(0, 0x13, "PRP Offset Invalid"),
  NAMESPACE_WRITE_PROTECTED(0, 0x20, "Namespace is Write Protected"),
  LBA_OUT_OF_RANGE(0, 0x80, "LBA Out of Range"),
  NAMESPACE_NOT_READY(0, 0x82, "Namespace Not Ready"),
  UNRECOVERED_READ_ERROR(2, 0x81, "Unrecovered Read Error"),
  ACCESS_DENIED(2, 0x86, "Access Denied");

  private final int sct;
  private final int sc;
  private final String description;

  NvmeStatus(int sct, int sc, String description) {
    this.sct = sct;
    this.sc = sc;
    this.description = description;
  }

  public int sct() {
    return sct;
  }

  public int sc() {
    return sc;
  }

  public String description() {
    return description;
  }

  /**
   * The 15-bit status field of a CQE (DW3 bits 31:17): DNR set on every error, since retrying
   * cannot help.
   */
  public int field() {
    return this == SUCCESS ? 0 : (1 << 14) | (sct << 8) | sc;
  }

  private static final NvmeStatus[] VALUES = values();

  public static NvmeStatus fromField(int field) {
    int sct = (field >>> 8) & 0x7;
    int sc = field & 0xff;
    if ((sct | sc) == 0)
      return SUCCESS; // the common case: no search, no values() copy per completion
    for (NvmeStatus s : VALUES) {
      if (s.sct == sct && s.sc == sc) return s;
    }
    return INTERNAL_ERROR;
  }

  @Override
  public String toString() {
    return String.format("%s (SCT %d, SC 0x%02X)", description, sct, sc);
  }
}
