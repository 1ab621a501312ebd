package io.homi.runtime.gpu.decode;

import java.util.Locale;

/**
 * Who decompresses the ZSTD pages of a GPU decode ({@code homi.gpuZstd}): the host (zstd-jni, then
 * uploaded), or the GPU with one thread ({@code homi_dec_zstd}) or one warp ({@code
 * homi_dec_zstd_warp}) per page.
 */
public enum GpuZstd {
  OFF,
  THREAD,
  WARP;

  /** The setting's value ({@code off}, {@code thread}, {@code warp}). */
  public static GpuZstd of(String value) {
    return valueOf(value.toUpperCase(Locale.ROOT));
  }
}
