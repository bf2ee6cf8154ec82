package dev.vant.cuda;

/** A CUDA driver call failed. The message names the vant operation (and its shapes) and the driver error. */
public final class CudaException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final int code;

  public CudaException(String op, int code, String errorName) {
    super(op + ": " + errorName + " (" + code + ")");
    this.code = code;
  }

  public CudaException(String message) {
    super(message);
    this.code = -1;
  }

  /** The driver's CUresult code, or -1 when the failure did not come from a driver call. */
  public int code() {
    return code;
  }
}
