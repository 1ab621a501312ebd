package io.homi.runtime.gpu;

import io.homi.runtime.settings.HomiSettings;
import io.homi.runtime.settings.JvmSettings;

/**
 * What the GPU side of this machine can do, found once and cached. The probe is the gate: nothing
 * else touches CUDA unless {@link #probe()} reports a usable device, and a machine without libcuda,
 * a driver or a device gets a result that says exactly why.
 */
public final class GpuProbe {
  /** The facts the doctor prints and the policy decides by. {@code reason} is null when usable. */
  public record Result(
      boolean usable,
      String reason,
      int driverVersion,
      int deviceCount,
      String deviceName,
      int ccMajor,
      int ccMinor,
      long totalBytes,
      long freeBytes,
      int multiprocessors,
      boolean canMapHostMemory,
      String pciAddress) {
    public String driverLabel() {
      return driverVersion <= 0 ? "-" : (driverVersion / 1000) + "." + (driverVersion % 1000) / 10;
    }

    public String computeCapability() {
      return ccMajor <= 0 ? "-" : ccMajor + "." + ccMinor;
    }
  }

  // One result per ordinal: executors of one JVM may be handed different GPUs by Spark.
  private static final java.util.concurrent.ConcurrentHashMap<Integer, Result> CACHED =
      new java.util.concurrent.ConcurrentHashMap<>();

  private GpuProbe() {}

  /**
   * The JVM's default GPU: {@code -Dhomi.gpu} (0 when unset); Spark's task resources override it
   * per scan.
   */
  public static int defaultOrdinal() {
    return JvmSettings.get().get(HomiSettings.GPU);
  }

  /** The default GPU's facts ({@link #defaultOrdinal()}). */
  public static Result probe() {
    return probe(defaultOrdinal());
  }

  /** GPU {@code ordinal}'s facts, found once per ordinal. */
  public static Result probe(int ordinal) {
    return CACHED.computeIfAbsent(ordinal, GpuProbe::run);
  }

  /** Throws a clear error when no GPU is usable (strict options such as homi.path=gpu use this). */
  public static void requireUsable() {
    Result r = probe();
    if (!r.usable()) throw new CudaException("no usable GPU: " + r.reason());
  }

  private static Result run(int ordinal) {
    if (!io.homi.runtime.os.Platform.IS_LINUX) return fail("not Linux", 0, 0);
    String loadError = CudaDriver.loadError();
    if (loadError != null) return fail("libcuda not loadable (" + loadError + ")", 0, 0);
    int version = 0;
    int count = 0;
    try {
      CudaDriver.init();
      version = CudaDriver.driverVersion();
      count = CudaDriver.deviceCount();
      if (count == 0) return fail("driver " + version + " sees no CUDA device", version, 0);
      if (ordinal < 0 || ordinal >= count)
        return fail(
            "GPU " + ordinal + " asked for but the driver sees " + count + " device(s)",
            version,
            count);
      int dev = CudaDriver.device(ordinal);
      int major = CudaDriver.attribute(dev, CudaDriver.ATTR_CC_MAJOR);
      int minor = CudaDriver.attribute(dev, CudaDriver.ATTR_CC_MINOR);
      boolean map = CudaDriver.attribute(dev, CudaDriver.ATTR_CAN_MAP_HOST_MEMORY) != 0;
      String pci =
          String.format(
              "%04x:%02x:%02x.0",
              CudaDriver.attribute(dev, CudaDriver.ATTR_PCI_DOMAIN_ID),
              CudaDriver.attribute(dev, CudaDriver.ATTR_PCI_BUS_ID),
              CudaDriver.attribute(dev, CudaDriver.ATTR_PCI_DEVICE_ID));
      long ctx = CudaDriver.primaryCtxRetain(dev);
      long[] mem;
      try {
        CudaDriver.setCurrent(ctx);
        mem = CudaDriver.memInfo();
      } finally {
        CudaDriver.primaryCtxRelease(dev);
      }
      String reason = null;
      if (major < 7)
        reason = "compute capability " + major + "." + minor + " < 7.0 (HOMI kernels need sm_70+)";
      else if (!map) reason = "device cannot map host memory (GPU-initiated queues need it)";
      return new Result(
          reason == null,
          reason,
          version,
          count,
          CudaDriver.deviceName(dev),
          major,
          minor,
          mem[1],
          mem[0],
          CudaDriver.attribute(dev, CudaDriver.ATTR_MULTIPROCESSOR_COUNT),
          map,
          pci);
    } catch (CudaException | UnsatisfiedLinkError e) {
      return fail(e.getMessage(), version, count);
    }
  }

  private static Result fail(String reason, int version, int count) {
    return new Result(false, reason, version, count, null, 0, 0, 0, 0, 0, false, null);
  }
}
