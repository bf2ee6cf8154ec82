package dev.vant.noise;

import dev.vant.random.NoiseStream;

/**
 * The host twin of {@code Backend.sampleSigmas}: per-sample noise levels drawn from the Philox contract
 * (DESIGN.md §2) on a reserved site,
 *
 * <pre>
 *   sigma[i] = fma(theta, |eps(seed, site, step, i)|, base)      i in [0, n)
 * </pre>
 *
 * One fused multiply-add, so the result equals what nvcc emits for {@code base + theta * fabsf(z)} with its
 * default {@code --fmad=true}; a backend's {@code sampleSigmas} computes this with its own Gaussians: the CPU
 * backends call {@link #sample} (the reference Gaussians of {@link dev.vant.random.NoiseStream}), the GPU uses
 * its own arithmetic for them (kernels/box_muller.cuh, within a few ulps of the reference).
 *
 * <p>Reserved sites: model noise applications use small non-negative site ids (well below
 * {@code 0x7FFF0000}, so that their COMBINED second stream {@code site | 0x80000000} cannot reach the
 * sites below). The level draws own the top of the site space:
 */
public final class SigmaDraw {
  /** VANT per-sample levels: element i of step {@code step} (the global training step) is sample i. */
  public static final int SITE_VANT_SAMPLE = 0xFFFF0000;
  /** VANT per-epoch level: step = epoch, element 0. */
  public static final int SITE_VANT_EPOCH = 0xFFFF0001;
  /** Inference-noise traces ({@link InferenceTrace}): step = deployment time t (batch), element = sample. */
  public static final int SITE_TRACE = 0xFFFF0002;

  private SigmaDraw() {}

  /**
   * Writes {@code sigma[off + i] = fma(theta, |eps(seed, site, step, i)|, base)} for i in [0, n).
   *
   * @throws IllegalArgumentException if the range does not fit in {@code dst} or n is negative
   */
  public static void sample(long seed, int site, int step, float base, float theta, float[] dst, int off, int n) {
    if (n < 0 || off < 0 || off + n > dst.length) {
      throw new IllegalArgumentException("SigmaDraw.sample: n=" + n + " off=" + off + " dst.length=" + dst.length);
    }
    NoiseStream.fill(seed, site, step, 0, dst, off, n);
    for (int i = off; i < off + n; i++) dst[i] = Math.fma(theta, Math.abs(dst[i]), base);
  }

  /** One level: {@code fma(theta, |eps(seed, site, step, index)|, base)}. */
  public static float one(long seed, int site, int step, long index, float base, float theta) {
    return Math.fma(theta, Math.abs(NoiseStream.element(seed, site, step, index)), base);
  }
}
