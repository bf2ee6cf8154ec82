package dev.vant.random;

/**
 * The GPU's Gaussians bit for bit: a Java twin of {@code kernels/box_muller.cuh} (the float polynomials the CUDA
 * kernels use instead of the double-precision reference of {@link NoiseStream}). Every step is one IEEE-754
 * operation with one rounding, which Java computes exactly as the GPU does: float {@code *} and {@code +},
 * {@link Math#fma(float, float, float)}, and a float square root taken as {@code (float) Math.sqrt(double)} (a double
 * square root rounded to float is the correctly rounded float square root: 53 >= 2 * 24 + 2 bits).
 *
 * <p>Test-only: it lets a GPU test demand the device's exact bits without the native host programs, and
 * PhiloxNativeTest ties it to the C++ header compiled by g++.
 */
public final class DeviceGauss {
  private DeviceGauss() {}

  /** The Gaussians of elements {@code first .. first + len - 1}, in a new array (one Philox call per group). */
  public static float[] fill(long seed, int site, int step, long first, int len) {
    float[] out = new float[len];
    int[] w = new int[4];
    float[] z = new float[2];
    long group = -1;
    float[] four = new float[4];
    for (int i = 0; i < len; i++) {
      long e = first + i;
      if (e >>> 2 != group) {
        group = e >>> 2;
        Philox.words(seed, site, step, group, w, 0);
        boxMuller(w[0], w[1], z);
        four[0] = z[0];
        four[1] = z[1];
        boxMuller(w[2], w[3], z);
        four[2] = z[0];
        four[3] = z[1];
      }
      out[i] = four[(int) (e & 3)];
    }
    return out;
  }

  static float radius(int k) {
    float u = ((float) k + 0.5f) * 0x1p-23f;
    int ix = Float.floatToRawIntBits(u);
    int off = ix - 0x3f3504f3;
    float e = (float) (off >> 23);
    float f = Float.intBitsToFloat(ix - (off & 0xff800000)) + -1.0f;
    float q = -0x1.4357b6p-4f;
    q = Math.fma(q, f, 0x1.0baeccp-3f);
    q = Math.fma(q, f, -0x1.0e5faap-3f);
    q = Math.fma(q, f, 0x1.21c57ap-3f);
    q = Math.fma(q, f, -0x1.5432ecp-3f);
    q = Math.fma(q, f, 0x1.99af24p-3f);
    q = Math.fma(q, f, -0x1.0003eap-2f);
    q = Math.fma(q, f, 0x1.555532p-2f);
    q = Math.fma(q, f, -0x1.fffffap-2f);
    float lo = Math.fma(f * f, q, e * 0x1.7f7d1cp-20f);
    float lnU = Math.fma(e, 0x1.62e4p-1f, f + lo);
    return (float) Math.sqrt(-2.0f * lnU);
  }

  /** {sin(pi a), cos(pi a)} for a in [0, 1/4]. */
  static void sincospiQuarter(float a, float[] sc) {
    float a2 = a * a;
    float p = Math.fma(a2, -0x1.2db5a6p-1f, 0x1.465facp+1f);
    p = Math.fma(a2, p, -0x1.4abbbep+2f);
    p = Math.fma(a2, p, -0x1.777a5cp-24f);
    sc[0] = Math.fma(a, 0x1.921fb6p+1f, a * p);
    float q = Math.fma(a2, 0x1.d4f7eep-3f, -0x1.55b2b6p+0f);
    q = Math.fma(a2, q, 0x1.03c1b0p+2f);
    q = Math.fma(a2, q, -0x1.3bd3ccp+2f);
    sc[1] = Math.fma(a2, q, 1.0f);
  }

  private static void boxMuller(int xEven, int xOdd, float[] z) {
    float r = radius(xEven >>> 9);
    int m = xOdd >>> 8;
    int quadrant = m >>> 22;
    int j = m & 0x3FFFFF;
    boolean upper = j > 0x200000;
    float[] sc = new float[2];
    sincospiQuarter((float) (upper ? 0x400000 - j : j) * 0x1p-23f, sc);
    boolean swap = ((quadrant & 1) != 0) != upper;
    float x = swap ? sc[0] : sc[1], y = swap ? sc[1] : sc[0];
    z[0] = r * ((quadrant == 1 || quadrant == 2) ? -x : x);
    z[1] = r * (quadrant >= 2 ? -y : y);
  }
}
