package dev.vant.random;

/**
 * The Gaussian noise of DESIGN.md §2: element {@code e} of the stream (seed, site, step) is lane
 * {@code e & 3} of the Box-Muller transform of the Philox words of group {@code e >> 2}.
 *
 * <pre>
 *   u = ((x_even &gt;&gt;&gt; 9) + 0.5) * 2^-23     v = (x_odd &gt;&gt;&gt; 8) * 2^-24
 *   z_even = sqrt(-2 ln u) cos(2 pi v)          z_odd = sqrt(-2 ln u) sin(2 pi v)
 * </pre>
 *
 * Twin of {@code vant::noise_group} in {@code kernels/philox.cuh}. The angle is reduced to a quadrant with
 * integer arithmetic (exact), then sin/cos of the remainder are taken in double and rounded once. This is the
 * reference; the GPU computes the same transform with float polynomials ({@code kernels/box_muller.cuh}) that are
 * within 7.25 x 2^-24 relative of it (both sides' bounds; the GPU's are checked on every input of the contract by
 * {@code native/box_muller_check.cpp}; measured: at most 3 ulps apart).
 */
public final class NoiseStream {
  private NoiseStream() {}

  /** The Gaussian of one element. For runs of elements use {@link #fill}, which shares Philox calls. */
  public static float element(long seed, int site, int step, long e) {
    int[] w = new int[4];
    float[] z = new float[4];
    Philox.words(seed, site, step, e >>> 2, w, 0);
    gaussians(w, z, 0);
    return z[(int) (e & 3)];
  }

  /**
   * Writes the Gaussians of elements {@code first .. first + len - 1} to {@code dst[dstOff ..]}.
   * {@code first} need not be a multiple of 4.
   */
  public static void fill(long seed, int site, int step, long first, float[] dst, int dstOff, int len) {
    if (len < 0 || dstOff < 0 || dstOff + len > dst.length || first < 0) {
      throw new IllegalArgumentException("NoiseStream.fill: first=" + first + " len=" + len
          + " dstOff=" + dstOff + " dst.length=" + dst.length);
    }
    int[] w = new int[4];
    float[] z = new float[4];
    long e = first;
    long end = first + len;
    int o = dstOff;
    while (e < end) {
      long g = e >>> 2;
      Philox.words(seed, site, step, g, w, 0);
      gaussians(w, z, 0);
      int lane = (int) (e & 3);
      int n = (int) Math.min(4 - lane, end - e);
      for (int i = 0; i < n; i++) dst[o + i] = z[lane + i];
      o += n;
      e += n;
    }
  }

  /** Box-Muller of words {@code w[0..3]} into {@code z[off .. off + 3]}. */
  public static void gaussians(int[] w, float[] z, int off) {
    boxMuller(w[0], w[1], z, off);
    boxMuller(w[2], w[3], z, off + 2);
  }

  private static void boxMuller(int xEven, int xOdd, float[] z, int off) {
    float u = ((float) (xEven >>> 9) + 0.5f) * 0x1p-23f;
    float r = (float) Math.sqrt(-2.0 * Math.log(u));
    int m = xOdd >>> 8;
    int quadrant = m >>> 22;
    float t = (float) (m & 0x3FFFFF) * 0x1p-23f;
    double a = Math.PI * t;
    float s = (float) Math.sin(a);
    float c = (float) Math.cos(a);
    float cs, sn;
    switch (quadrant) {
      case 0: cs = c; sn = s; break;
      case 1: cs = -s; sn = c; break;
      case 2: cs = -c; sn = -s; break;
      default: cs = s; sn = -c; break;
    }
    z[off] = r * cs;
    z[off + 1] = r * sn;
  }

  /**
   * Additive noise with a per-sample sigma, the reference of {@code kernels/noise.cu}:
   * {@code y[e] = fma(sigma[e / perSample], eps(seed, site, step, e), x[e])} for e in [0, x.length).
   *
   * @param sigma per-sample levels, or null to use {@code sigmaScalar} for every sample
   * @param y output, may be {@code x}
   */
  public static void addNoise(float[] x, float[] y, float[] sigma, float sigmaScalar, int perSample,
      long seed, int site, int step) {
    if (y.length < x.length || perSample <= 0) {
      throw new IllegalArgumentException("addNoise: x[" + x.length + "], y[" + y.length + "], perSample " + perSample);
    }
    float[] z = new float[Math.min(x.length, 1 << 14)];
    for (int start = 0; start < x.length; start += z.length) {
      int len = Math.min(z.length, x.length - start);
      fill(seed, site, step, start, z, 0, len);
      for (int i = 0; i < len; i++) {
        int e = start + i;
        float s = sigma == null ? sigmaScalar : sigma[e / perSample];
        y[e] = Math.fma(s, z[i], x[e]);
      }
    }
  }
}
