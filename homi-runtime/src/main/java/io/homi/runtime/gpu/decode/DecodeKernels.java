package io.homi.runtime.gpu.decode;

import io.homi.runtime.gpu.CudaDriver;
import io.homi.runtime.gpu.CudaException;
import io.homi.runtime.gpu.KernelArgs;
import io.homi.runtime.gpu.Kernels;

/**
 * The decode kernels of the HOMI fatbin (native/src/cuda/decode_*.cuh), loaded into the current
 * context, with one launcher. Argument order follows the kernels' signatures.
 */
public final class DecodeKernels implements AutoCloseable {
  static final String[] NAMES = {
    "homi_dec_snappy",
    "homi_dec_v1_layout",
    "homi_dec_levels",
    "homi_dec_scan_sums_u8",
    "homi_dec_scan_sums_u32",
    "homi_dec_scan_tiles",
    "homi_dec_scan_apply_u8",
    "homi_dec_scan_apply_u32",
    "homi_dec_pack_bits",
    "homi_dec_hybrid_values",
    "homi_dec_fixed",
    "homi_dec_dict_strings",
    "homi_dec_ba_plain",
    "homi_dec_ba_dict",
    "homi_dec_ba_copy",
    "homi_dec_delta",
    "homi_dec_ba_dlba",
    "homi_dec_ba_dba_lens",
    "homi_dec_ba_dba_copy",
    "homi_dec_zstd",
    "homi_dec_zstd_warp"
  };
  private final long module;
  private final java.util.Map<String, Long> fns = new java.util.HashMap<>();

  private DecodeKernels(long module) {
    this.module = module;
    for (String n : NAMES) fns.put(n, CudaDriver.moduleGetFunction(module, n));
  }

  public static DecodeKernels load() {
    byte[] image = Kernels.fatbin();
    if (image == null || image.length == 0) {
      throw new CudaException(
          "no GPU kernels in this build: resource " + Kernels.RESOURCE + " is missing");
    }
    return new DecodeKernels(CudaDriver.moduleLoadData(image));
  }

  void launch(String name, int grid, int block, long stream, Object... args) {
    if (grid <= 0) return;
    Long fn = fns.get(name);
    if (fn == null)
      throw new IllegalArgumentException("kernel " + name + " is not in DecodeKernels.NAMES");
    try (KernelArgs a = KernelArgs.of(args)) {
      CudaDriver.launch(fn, grid, block, 0, stream, a.pointer(), name);
    }
  }

  @Override
  public void close() {
    CudaDriver.moduleUnload(module);
  }
}
