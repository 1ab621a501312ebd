package io.homi.runtime.gpu.decode;

import java.nio.ByteBuffer;

/**
 * One page of the GPU page table, as the host found it in the page header. Addresses are kept
 * relative (to the uploaded chunk bytes, the decompression arena, or the host-inflated bytes) until
 * the device buffers exist; {@link #write} resolves them into the 64-byte layout of {@code
 * homi_dec::PageEntry} (native/src/cuda/decode_common.cuh).
 */
final class PageEntry {
  static final int BYTES = 64;
  static final int DICT = 1, DEF = 2, V2 = 4, SNAPPY = 8, HOST_INFLATED = 16, ZSTD = 32;

  /** Where a page's uncompressed bytes live. */
  enum Where {
    CHUNK,
    ARENA,
    INFLATED
  }

  long srcOff; // offset of the stored body in the uploaded chunk bytes
  Where where;
  long dataOff; // offset of the uncompressed bytes in `where`
  int compLen;
  int dataLen;
  int prefix;
  int numValues;
  long rowStart; // in the decode's global row space (columns one after another)
  int chunk;
  int defOff, defLen, valOff, valLen;
  int encoding;
  int flags;
  int aux = -1;
  long fileOffset; // of the page header, for messages (host only, not in the device layout)

  static boolean isDictEncoding(int encoding) {
    return encoding == 2 || encoding == 8; // PLAIN_DICTIONARY, RLE_DICTIONARY
  }

  void write(ByteBuffer out, long chunkBase, long arenaBase, long inflatedBase) {
    int at = out.position();
    out.putLong(at, chunkBase + srcOff);
    long base =
        switch (where) {
          case CHUNK -> chunkBase;
          case ARENA -> arenaBase;
          case INFLATED -> inflatedBase;
        };
    out.putLong(at + 8, base + dataOff);
    out.putInt(at + 16, compLen);
    out.putInt(at + 20, dataLen);
    out.putInt(at + 24, prefix);
    out.putInt(at + 28, numValues);
    out.putInt(at + 32, (int) rowStart);
    out.putInt(at + 36, chunk);
    out.putInt(at + 40, defOff);
    out.putInt(at + 44, defLen);
    out.putInt(at + 48, valOff);
    out.putInt(at + 52, valLen);
    out.putShort(at + 56, (short) encoding);
    out.putShort(at + 58, (short) flags);
    out.putInt(at + 60, aux);
    out.position(at + BYTES);
  }
}
