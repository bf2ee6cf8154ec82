package dev.vant.cuda;

import static jcuda.driver.JCudaDriver.cuDeviceGet;
import static jcuda.driver.JCudaDriver.cuDeviceGetCount;
import static jcuda.driver.JCudaDriver.cuInit;

import jcuda.driver.CUdevice;
import jcuda.driver.CUresult;

/**
 * Entry point of the GPU path: is CUDA usable here, and if so, open device 0.
 *
 * <p>Nothing here throws because a machine lacks a GPU. When the driver library {@code libcuda.so.1} is
 * missing (JCuda's native library then fails to link), when there is no device, or when this build's
 * fatbin has no code for the device, {@link #status()} says why and {@link #open()} throws a
 * {@link CudaUnavailableException} with that reason, so callers can fall back to the CPU.
 */
public final class Cuda {
  private static Status cached;

  private Cuda() {}

  /** Why CUDA can or cannot be used here. The probe runs once per process. */
  public static synchronized Status status() {
    if (cached == null) cached = probe();
    return cached;
  }

  /** Opens device 0 with this build's kernels; close it when done. */
  public static CudaDevice open() {
    Status s = status();
    if (!s.available()) throw new CudaUnavailableException(s.reason());
    return CudaDevice.open(0, s.fatbin());
  }

  private static Status probe() {
    Fatbin fatbin = Fatbin.load();
    int rc;
    try {
      rc = cuInit(0);
    } catch (LinkageError e) {
      // JCuda's native library links against libcuda.so.1; without an NVIDIA driver its class
      // initialization fails with UnsatisfiedLinkError (and NoClassDefFoundError on later touches).
      return Status.unavailable("the NVIDIA driver library libcuda.so.1 could not be loaded: " + firstLine(e), fatbin);
    }
    if (rc == CUresult.CUDA_ERROR_NO_DEVICE) return Status.unavailable("no CUDA device (cuInit: CUDA_ERROR_NO_DEVICE)", fatbin);
    if (rc != CUresult.CUDA_SUCCESS) return Status.unavailable("cuInit failed: " + CUresult.stringFor(rc), fatbin);
    int[] count = new int[1];
    rc = cuDeviceGetCount(count);
    if (rc != CUresult.CUDA_SUCCESS) return Status.unavailable("cuDeviceGetCount failed: " + CUresult.stringFor(rc), fatbin);
    if (count[0] == 0) return Status.unavailable("no CUDA device (the driver reports 0 devices)", fatbin);
    CudaDevice.DeviceInfo info;
    try {
      CUdevice dev = new CUdevice();
      CudaDevice.check(cuDeviceGet(dev, 0), "cuDeviceGet(0)");
      info = CudaDevice.DeviceInfo.query(dev, 0);
    } catch (CudaException e) {
      return Status.unavailable(e.getMessage(), fatbin);
    }
    if (fatbin == null) return new Status(false, Fatbin.NO_GPU_CODE, info, null);
    try (CudaDevice d = CudaDevice.open(0, fatbin)) {
      return new Status(true, "ok", d.info(), fatbin);
    } catch (CudaException e) {
      return new Status(false, e.getMessage(), info, fatbin);
    }
  }

  private static String firstLine(Throwable e) {
    // The deepest message usually names the missing library; JCuda's own message is several lines long.
    Throwable t = e;
    String best = String.valueOf(e.getMessage());
    while (t != null) {
      if (t.getMessage() != null && t.getMessage().contains("libcuda")) best = t.getMessage();
      t = t.getCause();
    }
    for (String line : best.split("\n")) {
      if (line.contains("libcuda")) return line.trim();
    }
    return best.split("\n")[0].trim();
  }

  /**
   * The outcome of the probe.
   *
   * @param available whether {@link #open()} will succeed
   * @param reason "ok", or the exact reason CUDA cannot be used
   * @param device device 0 when the driver could query it, else null
   * @param fatbin this build's GPU code, or null when it has none
   */
  public record Status(boolean available, String reason, CudaDevice.DeviceInfo device, Fatbin fatbin) {
    static Status unavailable(String reason, Fatbin fatbin) {
      return new Status(false, reason, null, fatbin);
    }
  }
}
