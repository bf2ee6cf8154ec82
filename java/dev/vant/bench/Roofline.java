package dev.vant.bench;

/**
 * The floor of DESIGN.md §6 for one kernel: the larger of FLOPs / peak rate and bytes / bandwidth. No
 * version of the kernel runs much faster than its floor; measured time / floor is how far we are from it,
 * and which term is larger says whether the kernel is bound by arithmetic or by memory traffic.
 *
 * @param flops floating-point operations the kernel must do (an FMA counts 2)
 * @param bytes the fewest bytes it must move through device memory: every input read once, every output
 *     written once
 */
public record Roofline(double flops, double bytes) {
  public Roofline {
    if (!(flops >= 0) || !(bytes >= 0) || Double.isInfinite(flops) || Double.isInfinite(bytes)) {
      throw new IllegalArgumentException("roofline needs finite flops and bytes >= 0, got " + flops + ", " + bytes);
    }
  }

  /** Seconds of arithmetic at {@code peakFlopsPerS}. */
  public double computeSeconds(double peakFlopsPerS) {
    requirePositive(peakFlopsPerS, "peak FLOP/s");
    return flops / peakFlopsPerS;
  }

  /** Seconds of memory traffic at {@code bytesPerS}. */
  public double memorySeconds(double bytesPerS) {
    requirePositive(bytesPerS, "bandwidth");
    return bytes / bytesPerS;
  }

  /** The floor: max(FLOPs / peak, bytes / bandwidth), in seconds. */
  public double floorSeconds(double peakFlopsPerS, double bytesPerS) {
    return Math.max(computeSeconds(peakFlopsPerS), memorySeconds(bytesPerS));
  }

  /** "FLOPs" when arithmetic sets the floor, else "bytes". */
  public String bound(double peakFlopsPerS, double bytesPerS) {
    return computeSeconds(peakFlopsPerS) >= memorySeconds(bytesPerS) ? "FLOPs" : "bytes";
  }

  /** FLOPs per byte. */
  public double intensity() {
    return bytes == 0 ? Double.POSITIVE_INFINITY : flops / bytes;
  }

  /** This work plus {@code o} (e.g. a GEMM followed by a standalone noise pass). */
  public Roofline plus(Roofline o) {
    return new Roofline(flops + o.flops, bytes + o.bytes);
  }

  /**
   * Noisy conv2d forward (implicit GEMM + bias + noise epilogue): 2 N P Q K R S C FLOPs; reads x, w, bias
   * and the per-sample sigma [N] once, writes y once (float32).
   */
  public static Roofline conv2dForward(int n, int h, int w, int c, int k, int r, int s, int p, int q, boolean perSampleSigma) {
    double flops = 2.0 * n * p * q * k * r * s * c;
    double floats = (double) n * h * w * c + (double) k * r * s * c + k + (double) n * p * q * k + (perSampleSigma ? n : 0);
    return new Roofline(flops, 4 * floats);
  }

  /** Noisy matmul (linear) forward y [M, N] = x [M, K] w^T + bias: 2 M N K FLOPs; reads x, w, bias once, writes y once. */
  public static Roofline matmul(long m, long n, long k) {
    double flops = 2.0 * m * n * k;
    double floats = (double) m * k + (double) n * k + n + (double) m * n;
    return new Roofline(flops, 4 * floats);
  }

  /**
   * The standalone noise pass over {@code elements} floats: reads them and writes them once (plus the
   * sigma per sample); the Philox draws are ALU work, not counted as FLOPs.
   */
  public static Roofline noisePass(long elements, long samples) {
    return new Roofline(0, 4.0 * (2 * elements + samples));
  }

  private static void requirePositive(double v, String what) {
    if (!(v > 0) || Double.isInfinite(v)) throw new IllegalArgumentException(what + " must be finite and > 0, got " + v);
  }
}
