package io.homi.runtime.gpu.decode;

/**
 * Why homi_dec_zstd refused a page: the {@code homi_zstd::Reason} codes of
 * native/src/cuda/decode_zstd.cuh, in words for the error message.
 */
final class ZstdReason {
  private ZstdReason() {}

  private static final String[] WORDS = {
    "no error",
    "the frame ends early (truncated header, block or table)",
    "not a ZSTD frame (bad magic number)",
    "frame header reserved bit set or window over 128 MiB",
    "the frame needs a dictionary",
    "reserved block type or a block over 128 KiB",
    "the frames do not hold exactly the page's uncompressed size",
    "literals section corrupt",
    "Huffman table or stream corrupt",
    "FSE table description corrupt",
    "sequences section corrupt",
    "match offset outside the data decoded so far",
    "treeless literals or a repeated table without a previous one",
  };

  static String describe(int reason) {
    return reason >= 0 && reason < WORDS.length ? WORDS[reason] : "reason " + reason;
  }
}
