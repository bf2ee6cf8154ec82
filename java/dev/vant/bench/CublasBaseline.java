package dev.vant.bench;

import dev.vant.cuda.CudaDevice;
import dev.vant.cuda.DeviceBuffer;
import java.util.SplittableRandom;
import jcuda.Pointer;
import jcuda.jcublas.JCublas2;
import jcuda.jcublas.cublasHandle;
import jcuda.jcublas.cublasOperation;
import jcuda.jcublas.cublasStatus;

/**
 * cuBLAS SGEMM (plain FP32, cuBLAS's default math mode: no TF32) through JCublas as an extra baseline of
 * {@code vant bench}. JCublas 12.6.0 links against CUDA 12's {@code libcublas.so.12}; a host without it
 * (a driver-only host, or one whose cuBLAS is CUDA 13's {@code libcublas.so.13}) gets a result that says
 * "unavailable" and why. Nothing else in vant loads JCublas.
 */
public final class CublasBaseline {
  private CublasBaseline() {}

  /**
   * The baseline's outcome.
   *
   * @param n matrix side (C = A B, all n x n)
   * @param timing median timing, or null when unavailable
   * @param unavailable null when it ran, else the reason
   */
  public record Result(int n, EventTimer.Timing timing, String unavailable) {
    /** "unavailable: reason" or the time and TFLOP/s. */
    public String describe() {
      if (unavailable != null) return "unavailable: " + unavailable;
      return String.format(java.util.Locale.ROOT, "SGEMM %d^3 %.3f ms, %.1f TFLOP/s", n, timing.median() * 1e3,
          2.0 * n * n * n / timing.median() / 1e12);
    }
  }

  /** Times cuBLAS SGEMM of side {@code n} on two rotating input sets, or says why it cannot. */
  public static Result sgemm(CudaDevice dev, int n, EventTimer timer) {
    if (dev.info().emulated()) return new Result(n, null, "the device is vant's CPU emulation of the driver (no cuBLAS there)");
    try {
      JCublas2.setExceptionsEnabled(false);
    } catch (LinkageError e) {
      return new Result(n, null, "JCublas 12.6.0 could not load its native library (it needs CUDA 12's libcublas.so.12 on "
          + "LD_LIBRARY_PATH): " + firstLine(e));
    }
    dev.synchronize("cuBLAS baseline setup");   // makes the device's context current on this thread
    cublasHandle h = new cublasHandle();
    int rc = JCublas2.cublasCreate(h);
    if (rc != cublasStatus.CUBLAS_STATUS_SUCCESS) {
      return new Result(n, null, "cublasCreate failed: " + cublasStatus.stringFor(rc));
    }
    long bytes = 4L * n * n;
    DeviceBuffer[] a = new DeviceBuffer[2], bm = new DeviceBuffer[2];
    try (DeviceBuffer c = dev.pool().acquire(bytes, "cuBLAS C")) {
      SplittableRandom rnd = new SplittableRandom(5);
      float[] host = new float[n * n];
      for (int i = 0; i < 2; i++) {
        a[i] = dev.pool().acquire(bytes, "cuBLAS A");
        bm[i] = dev.pool().acquire(bytes, "cuBLAS B");
        for (int j = 0; j < host.length; j++) host[j] = (float) (rnd.nextDouble() * 2 - 1);
        a[i].copyFrom(host, host.length);
        for (int j = 0; j < host.length; j++) host[j] = (float) (rnd.nextDouble() * 2 - 1);
        bm[i].copyFrom(host, host.length);
      }
      Pointer one = Pointer.to(new float[] {1f}), zero = Pointer.to(new float[] {0f});
      int[] err = {0};
      EventTimer.Timing t = timer.time("cuBLAS SGEMM " + n, i -> {
        // Row-major C = A B is column-major C^T = B^T A^T: pass B first.
        int r = JCublas2.cublasSgemm(h, cublasOperation.CUBLAS_OP_N, cublasOperation.CUBLAS_OP_N, n, n, n, one,
            bm[i % 2].devicePointer(), n, a[i % 2].devicePointer(), n, zero, c.devicePointer(), n);
        if (r != cublasStatus.CUBLAS_STATUS_SUCCESS) err[0] = r;
      });
      if (err[0] != 0) return new Result(n, null, "cublasSgemm failed: " + cublasStatus.stringFor(err[0]));
      return new Result(n, t, null);
    } finally {
      for (DeviceBuffer d : a) if (d != null) d.close();
      for (DeviceBuffer d : bm) if (d != null) d.close();
      JCublas2.cublasDestroy(h);
    }
  }

  private static String firstLine(Throwable e) {
    String m = String.valueOf(e.getMessage());
    int nl = m.indexOf('\n');
    return (nl < 0 ? m : m.substring(0, nl)).trim();
  }
}
