package io.homi.runtime.gpu;

import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import io.homi.runtime.settings.HomiSettings;
import io.homi.runtime.settings.JvmSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Every libcufile (GPUDirect Storage) call HOMI makes, in one place. Interface-mapped through JNA
 * so a libcufile lacking an optional entry point fails only when that call is made.
 *
 * <p>CUfileError_t is {int err; int cu_err}: eight bytes returned in RAX on x86-64, so it is mapped
 * as a {@code long} and split here. The driver is opened once per process.
 */
public final class CuFile {
  /** How reads reach GPU memory on this machine, as far as cuFile's configuration tells. */
  public enum Mode {
    /** nvidia-fs kernel module: true GPUDirect Storage DMA from storage into GPU memory. */
    NVIDIA_FS,
    /** Upstream PCI P2PDMA (use_pci_p2pdma): DMA into GPU memory without nvidia-fs. */
    P2PDMA,
    /** POSIX reads into cuFile's bounce buffers, then a copy to the GPU: correct, not direct. */
    COMPATIBILITY
  }

  private static final int CU_FILE_HANDLE_TYPE_OPAQUE_FD = 1;

  interface Lib extends Library {
    long cuFileDriverOpen();

    long cuFileHandleRegister(long[] fh, Pointer descr);

    void cuFileHandleDeregister(long fh);

    long cuFileBufRegister(long devPtr, long length, int flags);

    long cuFileBufDeregister(long devPtr);

    long cuFileRead(long fh, long devPtr, long size, long fileOffset, long devPtrOffset);
  }

  private static final Object LOCK = new Object();
  private static Lib lib;
  private static String openError = "not opened yet";
  private static boolean attempted;

  private CuFile() {}

  /**
   * Loads libcufile and calls cuFileDriverOpen once; null when the driver is open, otherwise why
   * not. Needs a current CUDA context on the calling thread.
   */
  public static String open() {
    synchronized (LOCK) {
      if (attempted) return lib == null ? openError : null;
      attempted = true;
      Lib l;
      try {
        l = Native.load(JvmSettings.get().get(HomiSettings.LIBCUFILE), Lib.class);
      } catch (UnsatisfiedLinkError e) {
        try {
          l = Native.load("libcufile.so.0", Lib.class);
        } catch (UnsatisfiedLinkError e2) {
          openError = "libcufile not loadable (" + firstLine(e2.getMessage()) + ")";
          return openError;
        }
      }
      try {
        check(l.cuFileDriverOpen(), "cuFileDriverOpen");
      } catch (CudaException | UnsatisfiedLinkError e) {
        openError = e.getMessage();
        return openError;
      }
      lib = l;
      openError = null;
      return null;
    }
  }

  private static Lib lib() {
    String err = open();
    if (err != null) throw new CudaException("cuFile unusable: " + err);
    return lib;
  }

  /** Registers an open descriptor (O_DIRECT for GPUDirect) and returns the CUfileHandle_t. */
  public static long handleRegister(int fd, String pathForErrors) {
    try (Memory descr = new Memory(64)) {
      descr.clear();
      descr.setInt(0, CU_FILE_HANDLE_TYPE_OPAQUE_FD);
      descr.setInt(8, fd); // union { int fd; void* handle; } at offset 8
      long[] fh = new long[1];
      check(lib().cuFileHandleRegister(fh, descr), "cuFileHandleRegister(" + pathForErrors + ")");
      return fh[0];
    }
  }

  public static void handleDeregister(long fh) {
    lib().cuFileHandleDeregister(fh);
  }

  /**
   * Pins a device buffer for GPUDirect; optional (unregistered buffers go through bounce buffers).
   */
  public static void bufRegister(long devPtr, long length) {
    check(lib().cuFileBufRegister(devPtr, length, 0), "cuFileBufRegister");
  }

  public static void bufDeregister(long devPtr) {
    check(lib().cuFileBufDeregister(devPtr), "cuFileBufDeregister");
  }

  /**
   * Reads up to {@code size} bytes at {@code fileOffset} into devPtr+devOffset; bytes read (0 at
   * EOF).
   */
  public static long read(
      long fh, long devPtr, long size, long fileOffset, long devOffset, String pathForErrors)
      throws IOException {
    long n = lib().cuFileRead(fh, devPtr, size, fileOffset, devOffset);
    if (n < 0) {
      throw new IOException(
          "cuFileRead "
              + pathForErrors
              + " at "
              + fileOffset
              + " ("
              + size
              + " bytes) failed: "
              + (n == -1 ? "errno " + Native.getLastError() : "CUfileOpError " + (-n)));
    }
    return n;
  }

  /**
   * The mode cuFile will use here: nvidia-fs when its module is loaded, P2PDMA when cufile.json
   * enables it, compatibility otherwise (when cufile.json allows it; null when it forbids it).
   */
  public static Mode mode() {
    if (Files.exists(Path.of("/proc/driver/nvidia-fs/version"))
        || Files.isDirectory(Path.of("/sys/module/nvidia_fs"))) {
      return Mode.NVIDIA_FS;
    }
    String json = config();
    if (json != null && flag(json, "use_pci_p2pdma", false)) return Mode.P2PDMA;
    boolean compat = json == null || flag(json, "allow_compat_mode", true);
    if (System.getenv("CUFILE_FORCE_COMPAT_MODE") != null) compat = true;
    return compat ? Mode.COMPATIBILITY : null;
  }

  private static String config() {
    String p = System.getenv().getOrDefault("CUFILE_ENV_PATH_JSON", "/etc/cufile.json");
    try {
      return Files.readString(Path.of(p));
    } catch (IOException e) {
      return null;
    }
  }

  private static boolean flag(String json, String key, boolean dflt) {
    // cufile.json carries // comments: take the first uncommented "key": true|false.
    Matcher m = Pattern.compile("(?m)^[^/\\n]*\"" + key + "\"\\s*:\\s*(true|false)").matcher(json);
    return m.find() ? Boolean.parseBoolean(m.group(1)) : dflt;
  }

  static void check(long cuFileError, String call) {
    int err = (int) cuFileError;
    int cuErr = (int) (cuFileError >>> 32);
    if (err == 0) return;
    throw new CudaException(
        call + " failed: CUfileOpError " + err + (cuErr != 0 ? ", CUresult " + cuErr : ""));
  }

  private static String firstLine(String s) {
    return s == null ? "" : s.lines().findFirst().orElse("");
  }
}
