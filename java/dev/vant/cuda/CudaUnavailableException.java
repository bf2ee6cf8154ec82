package dev.vant.cuda;

/** CUDA cannot be used on this machine; the message says why (no driver, no device, no GPU code). */
public final class CudaUnavailableException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public CudaUnavailableException(String reason) {
    super("CUDA unavailable: " + reason);
  }
}
