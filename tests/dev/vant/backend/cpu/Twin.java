package dev.vant.backend.cpu;

import static org.junit.jupiter.api.Assertions.fail;

import dev.vant.backend.Backend;
import dev.vant.backend.Noise;
import dev.vant.tensor.Tensor;
import java.util.Arrays;
import java.util.Random;

/**
 * The same tensors on the fast backend and on the FLOAT32 reference, and the comparison of the two.
 *
 * <p>Criterion, per element: {@code |fast - ref| <= TOL * (|ref| + rms(ref))} with TOL = 1e-4. The
 * rms term is the floor for elements that come out near zero by cancellation: a float32 dot product of
 * n terms is off by at most about n * 2^-24 * sum|terms| (usually sqrt(n) * 2^-24 * ...), which for
 * our largest reductions (n <= a few thousand) stays below 1e-5 * rms of the output.
 */
final class Twin {
  static final double TOL = 1e-4;
  final Backend ref = new ReferenceBackend(Precision.FLOAT32);
  final Backend fast;
  final Random rnd;

  Twin(FastBackend fast, long seed) {
    this.fast = fast;
    this.rnd = new Random(seed);
  }

  /** A random tensor (uniform in [lo, hi)) on both backends: [0] reference, [1] fast. */
  Tensor[] randIn(double lo, double hi, int... shape) {
    int n = 1;
    for (int s : shape) n *= s;
    float[] a = new float[n];
    for (int i = 0; i < n; i++) a[i] = (float) (lo + (hi - lo) * rnd.nextDouble());
    return of(a, shape);
  }

  Tensor[] rand(int... shape) {
    return randIn(-1, 1, shape);
  }

  Tensor[] of(float[] a, int... shape) {
    return new Tensor[] {ref.fromHost(a, shape), fast.fromHost(a, shape)};
  }

  Tensor[] zeros(int... shape) {
    return new Tensor[] {ref.zeros(shape), fast.zeros(shape)};
  }

  /** The noise spec on each backend (per-sample sigma as a tensor of that backend). */
  Noise[] noise(Noise.Type type, boolean perSample, int n, int site, int step) {
    if (type == Noise.Type.NONE) return new Noise[] {Noise.NONE, Noise.NONE};
    Tensor[] sig = null;
    if (perSample) {
      float[] s = new float[n];
      for (int i = 0; i < n; i++) s[i] = 0.05f + 0.4f * rnd.nextFloat();
      sig = of(s, n);
    }
    return new Noise[] {
        new Noise(type, 0.3f, sig == null ? null : sig[0], 99L, site, step),
        new Noise(type, 0.3f, sig == null ? null : sig[1], 99L, site, step)};
  }

  static Tensor[] nulls() {
    return new Tensor[] {null, null};
  }

  /** Fails unless the two tensors agree within the stated tolerance. */
  void compare(String what, Tensor[] t) {
    float[] r = ref.toHost(t[0]), f = fast.toHost(t[1]);
    double ss = 0;
    for (float v : r) ss += (double) v * v;
    double rms = Math.sqrt(ss / Math.max(1, r.length));
    for (int i = 0; i < r.length; i++) {
      double err = Math.abs((double) f[i] - r[i]);
      double allowed = TOL * (Math.abs(r[i]) + rms);
      if (!(err <= allowed) && !(Float.isNaN(r[i]) && Float.isNaN(f[i]))) {
        fail(what + ": element " + i + " of " + Arrays.toString(t[0].shape()) + " fast " + f[i] + " ref " + r[i]
            + " |diff| " + err + " > " + allowed + " (rms " + rms + ")");
      }
    }
  }
}
