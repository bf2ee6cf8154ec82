package dev.vant.cuda;

import jcuda.Pointer;

/**
 * Binding of {@code kernels/noise.cu}: standalone additive noise with a per-sample sigma,
 * {@code y[e] = x[e] + sigma[e / perSample] * eps(seed, site, step, e)} over elements 0 .. total-1 in
 * canonical order. The CPU reference is {@link dev.vant.random.NoiseStream}.
 */
public final class NoiseKernel {
  private static final int BLOCK = 256;
  /** Resident blocks per multiprocessor we aim for; the kernel's grid-stride loop covers the rest. */
  private static final int BLOCKS_PER_SM = 8;

  private NoiseKernel() {}

  /**
   * @param x input [total]
   * @param y output [total] (may be {@code x})
   * @param sigma per-sample levels [total / perSample], or null to use {@code sigmaScalar} everywhere
   * @param perSample elements per sample (e.g. H*W*C of an NHWC activation)
   */
  public static void add(CudaDevice dev, DeviceBuffer x, DeviceBuffer y, DeviceBuffer sigma, float sigmaScalar,
      long total, long perSample, long seed, int site, int step) {
    String op = "noise_add [total=" + total + ", perSample=" + perSample + ", site=" + site + ", step=" + step + "]";
    if (total < 0 || perSample <= 0) throw new IllegalArgumentException(op + ": bad sizes");
    if (x.bytes() < 4 * total || y.bytes() < 4 * total) {
      throw new IllegalArgumentException(op + ": x has " + x.bytes() + " bytes, y " + y.bytes() + ", need " + 4 * total);
    }
    long samples = (total + perSample - 1) / perSample;
    if (sigma != null && sigma.bytes() < 4 * samples) {
      throw new IllegalArgumentException(op + ": sigma has " + sigma.bytes() / 4 + " floats, need " + samples);
    }
    if (total == 0) return;
    long groups = (total + 3) / 4;
    long blocks = Math.min((groups + BLOCK - 1) / BLOCK, (long) dev.info().multiprocessors() * BLOCKS_PER_SM);
    Pointer params = Pointer.to(
        x.arg(), y.arg(), sigma == null ? Pointer.to(new long[] {0}) : sigma.arg(),
        Pointer.to(new float[] {sigmaScalar}), Pointer.to(new long[] {total}), Pointer.to(new long[] {perSample}),
        Pointer.to(new long[] {seed}), Pointer.to(new int[] {site}), Pointer.to(new int[] {step}));
    dev.launch(op, "noise_add", Math.max(1, blocks), BLOCK, 0, params);
  }
}
