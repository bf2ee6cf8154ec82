package dev.vant.backend.cpu;


import dev.vant.backend.Backend;
import dev.vant.backend.Noise;
import dev.vant.tensor.Tensor;
import java.util.Random;
import java.util.function.DoubleSupplier;

/**
 * Central-difference gradient checks ({@link CentralDifference}) on the {@link ReferenceBackend} in
 * {@link Precision#DOUBLE} mode.
 *
 * <p>The scalar checked is {@code L = sum(G * y)} for a fixed random G, so the analytic gradient of an
 * input is the op's backward applied to G (after noiseBackward). Each checked element is perturbed by
 * {@code +/- H} in place through {@link CpuTensors#doubles}; the noise has the same (seed, site, step) in
 * both passes, so it is the same constant. Pass criterion per element:
 * {@code |analytic - numeric| <= REL * max(|analytic|, |numeric|) + ABS}.
 *
 * <p>Why these numbers: H = 1e-5 makes the truncation error of the central difference
 * (H^2/6 * |L'''|, about 1e-10 for BatchNorm and softmax at our sizes, exactly 0 for the linear ops)
 * and the rounding error (about 2^-52 * |L| / H, |L| < 100, i.e. about 2e-9 at worst) both far
 * below REL = 1e-6 relative; ABS = 1e-9 is the floor for gradients that are (near) zero, where only the
 * rounding error remains.
 */
final class GradCheck {
  /** Elements checked per tensor at most (spread evenly), to keep the tests fast. */
  static final int MAX_POINTS = 60;

  static final ReferenceBackend DBL = new ReferenceBackend(Precision.DOUBLE);

  private GradCheck() {}

  /** A DOUBLE-mode tensor of uniform values in [lo, hi) (full double precision, not floats). */
  static Tensor randIn(Random rnd, double lo, double hi, int... shape) {
    Tensor t = DBL.zeros(shape);
    double[] a = CpuTensors.doubles(t);
    for (int i = 0; i < t.size(); i++) a[i] = lo + (hi - lo) * rnd.nextDouble();
    return t;
  }

  static Tensor rand(Random rnd, int... shape) {
    return randIn(rnd, -1, 1, shape);
  }

  static double dot(Tensor a, Tensor b) {
    double[] x = CpuTensors.doubles(a), y = CpuTensors.doubles(b);
    double s = 0;
    for (int i = 0; i < a.size(); i++) s += x[i] * y[i];
    return s;
  }

  /** Checks that {@code analytic} is the gradient of {@code loss} with respect to {@code t}. */
  static void check(String what, Tensor t, Tensor analytic, DoubleSupplier loss) {
    CentralDifference.check(what, CpuTensors.doubles(t), CpuTensors.doubles(analytic), loss, MAX_POINTS, false);
  }

  /** The noise variants every op is checked under; per-sample sigma of {@code n} samples where asked. */
  static Noise noiseOf(Noise.Type type, boolean perSample, int n, int site) {
    if (type == Noise.Type.NONE) return Noise.NONE;
    Tensor sigma = null;
    if (perSample) {
      sigma = DBL.zeros(n);
      double[] s = CpuTensors.doubles(sigma);
      for (int i = 0; i < n; i++) s[i] = 0.1 + 0.2 * i;
    }
    return new Noise(type, 0.35f, sigma, 1234567L, site, 42);
  }

  /** y's gradient G pushed back through the noise: what the layer's backward receives. */
  static Tensor throughNoise(Noise nz, Tensor gy) {
    Tensor g = DBL.zeros(gy.shape());
    DBL.noiseBackward(nz, gy, g);
    return g;
  }

  static Backend dbl() {
    return DBL;
  }
}
