package io.homi.runtime.gpu;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import io.homi.runtime.settings.HomiSettings;
import io.homi.runtime.settings.JvmSettings;

/**
 * Every libcuda (driver API) call HOMI makes, in one place. Direct-mapped through JNA; device
 * pointers, contexts, streams, events, modules and functions cross as {@code long} handles. Every
 * CUresult is checked by {@link #check} and becomes a {@link CudaException} naming the call.
 *
 * <p>Loading is lazy and fails soft: {@link #loadError()} says why libcuda is unusable, and nothing
 * may call the natives then (GpuProbe is the gate).
 */
public final class CudaDriver {
  public static final int CU_MEMHOSTALLOC_PORTABLE = 0x01;
  public static final int CU_MEMHOSTALLOC_DEVICEMAP = 0x02;
  public static final int CU_STREAM_NON_BLOCKING = 0x1;
  public static final int CU_EVENT_DISABLE_TIMING = 0x2;
  public static final int ATTR_MULTIPROCESSOR_COUNT = 16;
  public static final int ATTR_CAN_MAP_HOST_MEMORY = 19;
  public static final int ATTR_PCI_BUS_ID = 33;
  public static final int ATTR_PCI_DEVICE_ID = 34;
  public static final int ATTR_UNIFIED_ADDRESSING = 41;
  public static final int ATTR_PCI_DOMAIN_ID = 50;
  public static final int ATTR_CC_MAJOR = 75;
  public static final int ATTR_CC_MINOR = 76;

  /** CUDA_ERROR_NOT_READY: a query on work still running (not an error). */
  public static final int CUDA_ERROR_NOT_READY = 600;

  private static final String LOAD_ERROR;

  static {
    String err = null;
    try {
      Native.register(CudaDriver.class, library());
    } catch (Throwable t) { // UnsatisfiedLinkError (no libcuda), or a symbol this driver lacks
      err = String.valueOf(t.getMessage()).lines().findFirst().orElse("libcuda not loadable");
    }
    LOAD_ERROR = err;
  }

  private CudaDriver() {}

  /** libcuda.so, else libcuda.so.1 (driver installs often ship only the versioned name). */
  private static NativeLibrary library() {
    String name = JvmSettings.get().get(HomiSettings.LIBCUDA);
    if (name != null) return NativeLibrary.getInstance(name);
    try {
      return NativeLibrary.getInstance("cuda");
    } catch (UnsatisfiedLinkError e) {
      return NativeLibrary.getInstance("libcuda.so.1");
    }
  }

  /** Null when libcuda loaded and every entry point bound; otherwise why not. */
  public static String loadError() {
    return LOAD_ERROR;
  }

  // ---- raw entry points (CUresult as int) ----
  static native int cuInit(int flags);

  static native int cuDriverGetVersion(int[] version);

  static native int cuDeviceGetCount(int[] count);

  static native int cuDeviceGet(int[] device, int ordinal);

  static native int cuDeviceGetName(byte[] name, int len, int device);

  static native int cuDeviceGetAttribute(int[] value, int attrib, int device);

  static native int cuDeviceTotalMem_v2(long[] bytes, int device);

  static native int cuDevicePrimaryCtxRetain(long[] ctx, int device);

  static native int cuDevicePrimaryCtxRelease_v2(int device);

  static native int cuCtxSetCurrent(long ctx);

  static native int cuCtxSynchronize();

  static native int cuMemGetInfo_v2(long[] free, long[] total);

  static native int cuMemAlloc_v2(long[] dptr, long bytes);

  static native int cuMemFree_v2(long dptr);

  static native int cuMemHostAlloc(long[] pp, long bytes, int flags);

  static native int cuMemFreeHost(long p);

  static native int cuMemHostGetDevicePointer_v2(long[] dptr, long p, int flags);

  static native int cuMemcpyHtoD_v2(long dst, long src, long bytes);

  static native int cuMemcpyDtoH_v2(long dst, long src, long bytes);

  static native int cuMemcpyHtoDAsync_v2(long dst, long src, long bytes, long stream);

  static native int cuMemsetD8_v2(long dst, byte value, long n);

  static native int cuStreamCreate(long[] stream, int flags);

  static native int cuStreamDestroy_v2(long stream);

  static native int cuStreamSynchronize(long stream);

  static native int cuEventCreate(long[] event, int flags);

  static native int cuEventRecord(long event, long stream);

  static native int cuEventSynchronize(long event);

  static native int cuEventDestroy_v2(long event);

  static native int cuModuleLoadData(long[] module, Pointer image);

  static native int cuModuleUnload(long module);

  static native int cuModuleGetFunction(long[] fn, long module, String name);

  static native int cuLaunchKernel(
      long f,
      int gx,
      int gy,
      int gz,
      int bx,
      int by,
      int bz,
      int sharedBytes,
      long stream,
      Pointer params,
      Pointer extra);

  static native int cuGetErrorName(int error, long[] str);

  static native int cuGetErrorString(int error, long[] str);

  /** Throws a CudaException naming {@code call} unless {@code rc} is CUDA_SUCCESS. */
  static void check(int rc, String call) {
    if (rc == 0) return;
    long[] name = new long[1];
    long[] desc = new long[1];
    String n =
        cuGetErrorName(rc, name) == 0 && name[0] != 0
            ? new Pointer(name[0]).getString(0)
            : "CUresult";
    String d =
        cuGetErrorString(rc, desc) == 0 && desc[0] != 0 ? new Pointer(desc[0]).getString(0) : null;
    throw new CudaException(call, rc, n, d);
  }

  // ---- checked wrappers: the API the rest of the runtime uses ----
  public static void init() {
    check(cuInit(0), "cuInit");
  }

  public static int driverVersion() {
    int[] v = new int[1];
    check(cuDriverGetVersion(v), "cuDriverGetVersion");
    return v[0];
  }

  public static int deviceCount() {
    int[] v = new int[1];
    check(cuDeviceGetCount(v), "cuDeviceGetCount");
    return v[0];
  }

  public static int device(int ordinal) {
    int[] v = new int[1];
    check(cuDeviceGet(v, ordinal), "cuDeviceGet(" + ordinal + ")");
    return v[0];
  }

  public static String deviceName(int dev) {
    byte[] b = new byte[256];
    check(cuDeviceGetName(b, b.length, dev), "cuDeviceGetName");
    return Native.toString(b);
  }

  public static int attribute(int dev, int attr) {
    int[] v = new int[1];
    check(cuDeviceGetAttribute(v, attr, dev), "cuDeviceGetAttribute(" + attr + ")");
    return v[0];
  }

  public static long totalMem(int dev) {
    long[] v = new long[1];
    check(cuDeviceTotalMem_v2(v, dev), "cuDeviceTotalMem");
    return v[0];
  }

  public static long primaryCtxRetain(int dev) {
    long[] v = new long[1];
    check(cuDevicePrimaryCtxRetain(v, dev), "cuDevicePrimaryCtxRetain");
    return v[0];
  }

  public static void primaryCtxRelease(int dev) {
    check(cuDevicePrimaryCtxRelease_v2(dev), "cuDevicePrimaryCtxRelease");
  }

  public static void setCurrent(long ctx) {
    check(cuCtxSetCurrent(ctx), "cuCtxSetCurrent");
  }

  public static void synchronize() {
    check(cuCtxSynchronize(), "cuCtxSynchronize");
  }

  /** {free, total} device memory of the current context's device. */
  public static long[] memInfo() {
    long[] f = new long[1];
    long[] t = new long[1];
    check(cuMemGetInfo_v2(f, t), "cuMemGetInfo");
    return new long[] {f[0], t[0]};
  }

  public static long memAlloc(long bytes) {
    long[] v = new long[1];
    check(cuMemAlloc_v2(v, bytes), "cuMemAlloc(" + bytes + ")");
    return v[0];
  }

  public static void memFree(long dptr) {
    check(cuMemFree_v2(dptr), "cuMemFree");
  }

  public static long memHostAlloc(long bytes, int flags) {
    long[] v = new long[1];
    check(cuMemHostAlloc(v, bytes, flags), "cuMemHostAlloc(" + bytes + ")");
    return v[0];
  }

  public static void memFreeHost(long p) {
    check(cuMemFreeHost(p), "cuMemFreeHost");
  }

  public static long hostGetDevicePointer(long p) {
    long[] v = new long[1];
    check(cuMemHostGetDevicePointer_v2(v, p, 0), "cuMemHostGetDevicePointer");
    return v[0];
  }

  public static void copyHtoD(long dst, long src, long bytes) {
    check(cuMemcpyHtoD_v2(dst, src, bytes), "cuMemcpyHtoD");
  }

  public static void copyDtoH(long dst, long src, long bytes) {
    check(cuMemcpyDtoH_v2(dst, src, bytes), "cuMemcpyDtoH");
  }

  public static void copyHtoDAsync(long dst, long src, long bytes, long stream) {
    check(cuMemcpyHtoDAsync_v2(dst, src, bytes, stream), "cuMemcpyHtoDAsync");
  }

  public static void memsetD8(long dst, byte value, long n) {
    check(cuMemsetD8_v2(dst, value, n), "cuMemsetD8");
  }

  /**
   * cuMemsetD8 and wait for it: the plain call is asynchronous to the host for device memory, so it
   * is followed by a synchronize of the legacy default stream it was queued on.
   */
  public static void memsetD8Sync(long dst, byte value, long n) {
    check(cuMemsetD8_v2(dst, value, n), "cuMemsetD8");
    check(cuStreamSynchronize(0), "cuStreamSynchronize(legacy)");
  }

  public static long streamCreate() {
    long[] v = new long[1];
    check(cuStreamCreate(v, CU_STREAM_NON_BLOCKING), "cuStreamCreate");
    return v[0];
  }

  public static void streamDestroy(long s) {
    check(cuStreamDestroy_v2(s), "cuStreamDestroy");
  }

  public static void streamSynchronize(long s) {
    check(cuStreamSynchronize(s), "cuStreamSynchronize");
  }

  public static long eventCreate() {
    long[] v = new long[1];
    check(cuEventCreate(v, CU_EVENT_DISABLE_TIMING), "cuEventCreate");
    return v[0];
  }

  public static void eventRecord(long e, long stream) {
    check(cuEventRecord(e, stream), "cuEventRecord");
  }

  public static void eventSynchronize(long e) {
    check(cuEventSynchronize(e), "cuEventSynchronize");
  }

  public static void eventDestroy(long e) {
    check(cuEventDestroy_v2(e), "cuEventDestroy");
  }

  /** Loads a fatbin/cubin/PTX image; the driver copies it, so the buffer may go after. */
  public static long moduleLoadData(byte[] image) {
    try (Memory m = new Memory(image.length + 1L)) {
      m.write(0, image, 0, image.length);
      m.setByte(image.length, (byte) 0); // PTX images must be NUL-terminated; harmless for fatbins
      long[] v = new long[1];
      check(cuModuleLoadData(v, m), "cuModuleLoadData");
      return v[0];
    }
  }

  public static void moduleUnload(long module) {
    check(cuModuleUnload(module), "cuModuleUnload");
  }

  public static long moduleGetFunction(long module, String name) {
    long[] v = new long[1];
    check(cuModuleGetFunction(v, module, name), "cuModuleGetFunction(" + name + ")");
    return v[0];
  }

  /** Launches {@code fn}; {@code params} is the void*[] of argument addresses (see KernelArgs). */
  public static void launch(
      long fn, int grid, int block, int sharedBytes, long stream, Pointer params, String name) {
    check(
        cuLaunchKernel(fn, grid, 1, 1, block, 1, 1, sharedBytes, stream, params, null),
        "cuLaunchKernel(" + name + ")");
  }

  // ---- appended for GPU page decoding (io.homi.runtime.gpu.decode) ----
  static native int cuMemcpyDtoHAsync_v2(long dst, long src, long bytes, long stream);

  static native int cuMemsetD8Async(long dst, byte value, long n, long stream);

  static native int cuStreamWaitEvent(long stream, long event, int flags);

  public static void copyDtoHAsync(long dst, long src, long bytes, long stream) {
    check(cuMemcpyDtoHAsync_v2(dst, src, bytes, stream), "cuMemcpyDtoHAsync");
  }

  public static void memsetD8Async(long dst, byte value, long n, long stream) {
    check(cuMemsetD8Async(dst, value, n, stream), "cuMemsetD8Async");
  }

  /** Work later queued on {@code stream} waits for {@code event}'s recorded work. */
  public static void streamWaitEvent(long stream, long event) {
    check(cuStreamWaitEvent(stream, event, 0), "cuStreamWaitEvent");
  }

  // ---- appended for the RAPIDS bridge (io.homi.spark.RapidsBridge): copies into cuDF's buffers
  // ----
  static native int cuMemcpyDtoDAsync_v2(long dst, long src, long bytes, long stream);

  /**
   * Device-to-device copy queued on {@code stream} (0: the legacy default stream, ordered after
   * other blocking streams).
   */
  public static void copyDtoDAsync(long dst, long src, long bytes, long stream) {
    check(cuMemcpyDtoDAsync_v2(dst, src, bytes, stream), "cuMemcpyDtoDAsync");
  }
}
