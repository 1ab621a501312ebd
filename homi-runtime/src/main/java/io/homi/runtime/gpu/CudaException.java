package io.homi.runtime.gpu;

/** A CUDA driver or cuFile call that did not succeed: names the call and its result code. */
public final class CudaException extends RuntimeException {
  private final int code;

  public CudaException(String call, int code, String name, String description) {
    super(
        call
            + " failed: "
            + name
            + " ("
            + code
            + ")"
            + (description == null ? "" : ": " + description));
    this.code = code;
  }

  public CudaException(String message) {
    super(message);
    this.code = -1;
  }

  public int code() {
    return code;
  }
}
