package dev.vant.backend.cpu;

import dev.vant.backend.Noise;
import dev.vant.random.NoiseStream;

/**
 * The noise epilogue of the fast backend, the Java twin of the GPU epilogue: on a run of elements
 * [e0, e0 + len) of an output it applies {@link Noise}'s formula with float fma, drawing the Gaussians of
 * exactly those elements from {@link NoiseStream} (a pure function of the element index, so every
 * chunk makes its own noise in parallel).
 */
final class FastNoise {
  private FastNoise() {}

  /**
   * y[off + i] = noise(y[off + i]) for i in [0, len), element index e = e0 + i, sample e / perSample.
   *
   * @param sigma per-sample levels or null for {@code nz.sigmaScalar()}
   */
  static void apply(Noise nz, float[] sigma, int perSample, float[] y, int off, long e0, int len) {
    if (!nz.enabled() || len == 0) return;
    Scratch sc = Scratch.get();
    float[] z = sc.z(len);
    NoiseStream.fill(nz.seed(), nz.site(), nz.step(), e0, z, 0, len);
    float[] z2 = null;
    if (nz.type() == Noise.Type.COMBINED) {
      z2 = sc.z2(len);
      NoiseStream.fill(nz.seed(), nz.site() | Noise.SECOND_STREAM, nz.step(), e0, z2, 0, len);
    }
    float s = nz.sigmaScalar();
    long sample = -1;
    for (int i = 0; i < len; i++) {
      if (sigma != null) {
        long n = (e0 + i) / perSample;
        if (n != sample) {
          sample = n;
          s = sigma[(int) n];
        }
      }
      float x = y[off + i];
      switch (nz.type()) {
        case ADDITIVE -> y[off + i] = Math.fma(s, z[i], x);
        case MULTIPLICATIVE -> y[off + i] = x * Math.fma(s, z[i], 1f);
        case COMBINED -> y[off + i] = Math.fma(s, z2[i], x * Math.fma(s, z[i], 1f));
        default -> { }
      }
    }
  }

  /** dx = dy * (1 + s z) over [e0, e0 + len) (MULTIPLICATIVE / COMBINED); a copy otherwise. */
  static void backward(Noise nz, float[] sigma, int perSample, float[] dy, float[] dx, int e0, int len) {
    if (nz.type() != Noise.Type.MULTIPLICATIVE && nz.type() != Noise.Type.COMBINED) {
      if (dy != dx) System.arraycopy(dy, e0, dx, e0, len);
      return;
    }
    float[] z = Scratch.get().z(len);
    NoiseStream.fill(nz.seed(), nz.site(), nz.step(), e0, z, 0, len);
    for (int i = 0; i < len; i++) {
      int e = e0 + i;
      float s = sigma == null ? nz.sigmaScalar() : sigma[e / perSample];
      dx[e] = dy[e] * Math.fma(s, z[i], 1f);
    }
  }
}
