package dev.vant.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vant.backend.Noise;
import dev.vant.tensor.Tensor;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Statistics of the noise as the backends apply it (fast backend; it equals the reference elementwise,
 * see FastBackendTest), over 10^6 draws per site:
 * mean within 4 standard errors (sigma / sqrt(n)) of its target; sample variance within 4 standard
 * errors (sigma^2 sqrt(2 / (n - 1)), Gaussian) of its target; a Kolmogorov-Smirnov test against the
 * exact normal law at alpha = 0.001 (critical D = sqrt(ln(2 / alpha) / 2) / sqrt(n) = 1.949e-3 for
 * n = 10^6); two sites, two steps and neighbouring elements uncorrelated: |corr| < 3e-3 over 10^6 pairs.
 */
class NoiseStatisticsTest {
  static final int N = 1_000_000;
  static FastBackend fast;

  @BeforeAll
  static void open() {
    fast = new FastBackend(2);
  }

  @AfterAll
  static void close() {
    fast.close();
  }

  static float[] draw(Noise.Type type, float x, float sigma, int site, int step) {
    Tensor t = fast.zeros(4, N / 4);
    fast.fill(t, x);
    fast.noiseForward(t, new Noise(type, sigma, null, 20250321L, site, step), t);
    return fast.toHost(t);
  }

  static void moments(String what, float[] y, int from, int to, double mean, double sd) {
    int n = to - from;
    double s = 0;
    for (int i = from; i < to; i++) s += y[i];
    double m = s / n, ss = 0;
    for (int i = from; i < to; i++) ss += (y[i] - m) * (y[i] - m);
    double var = ss / (n - 1);
    double seMean = sd / Math.sqrt(n), seVar = sd * sd * Math.sqrt(2.0 / (n - 1));
    assertTrue(Math.abs(m - mean) < 4 * seMean, what + ": mean " + m + " vs " + mean + " (4 SE = " + 4 * seMean + ")");
    assertTrue(Math.abs(var - sd * sd) < 4 * seVar, what + ": variance " + var + " vs " + sd * sd + " (4 SE = " + 4 * seVar + ")");
  }

  static void ks(String what, float[] y, double mean, double sd) {
    double[] a = new double[y.length];
    for (int i = 0; i < y.length; i++) a[i] = (y[i] - mean) / sd;
    Arrays.sort(a);
    double d = 0;
    int n = a.length;
    for (int i = 0; i < n; i++) {
      double f = phi(a[i]);
      d = Math.max(d, Math.max(f - (double) i / n, (double) (i + 1) / n - f));
    }
    double crit = Math.sqrt(Math.log(2 / 0.001) / 2) / Math.sqrt(n);
    assertTrue(d < crit, what + ": KS statistic D = " + d + " >= critical " + crit + " (alpha 0.001)");
  }

  /** Standard normal CDF; its error (< 1e-7, from erfc below) is far below the KS critical value 2e-3. */
  static double phi(double x) {
    return 0.5 * erfc(-x / Math.sqrt(2));
  }

  /** erfc with relative error < 1.2e-7 (Numerical Recipes' Chebyshev fit), ample for D ~ 2e-3. */
  static double erfc(double x) {
    double z = Math.abs(x), t = 1 / (1 + 0.5 * z);
    double r = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806
        + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
    return x >= 0 ? r : 2 - r;
  }

  static double corr(float[] a, int aOff, float[] b, int bOff, int n) {
    double sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
    for (int i = 0; i < n; i++) {
      double x = a[aOff + i], y = b[bOff + i];
      sa += x; sb += y; saa += x * x; sbb += y * y; sab += x * y;
    }
    double cov = sab / n - (sa / n) * (sb / n);
    return cov / Math.sqrt((saa / n - (sa / n) * (sa / n)) * (sbb / n - (sb / n) * (sb / n)));
  }

  @Test
  void additiveAtASite() {
    float sigma = 0.7f;
    float[] y = draw(Noise.Type.ADDITIVE, 0f, sigma, 3, 10);
    moments("additive", y, 0, N, 0, sigma);
    ks("additive", y, 0, sigma);
  }

  @Test
  void sitesStepsAndNeighboursUncorrelated() {
    float[] a = draw(Noise.Type.ADDITIVE, 0f, 1f, 3, 10);
    float[] b = draw(Noise.Type.ADDITIVE, 0f, 1f, 4, 10);
    float[] c = draw(Noise.Type.ADDITIVE, 0f, 1f, 3, 11);
    double ab = corr(a, 0, b, 0, N), ac = corr(a, 0, c, 0, N), lag1 = corr(a, 0, a, 1, N - 1), lag4 = corr(a, 0, a, 4, N - 4);
    assertTrue(Math.abs(ab) < 3e-3, "sites 3 and 4: corr " + ab);
    assertTrue(Math.abs(ac) < 3e-3, "steps 10 and 11: corr " + ac);
    assertTrue(Math.abs(lag1) < 3e-3, "elements e and e+1 (Box-Muller pair / lanes): corr " + lag1);
    assertTrue(Math.abs(lag4) < 3e-3, "elements e and e+4 (neighbouring Philox groups): corr " + lag4);
    // Same (seed, site, step) must give the same noise: the +/- passes of gradient checks rely on it.
    assertEquals(Arrays.hashCode(a), Arrays.hashCode(draw(Noise.Type.ADDITIVE, 0f, 1f, 3, 10)));
  }

  @Test
  void perSampleSigma() {
    float[] s = {0.1f, 0.5f, 1f, 2.1f};
    Tensor sig = fast.fromHost(s, 4);
    Tensor t = fast.zeros(4, N);
    fast.noiseForward(t, new Noise(Noise.Type.ADDITIVE, 99f, sig, 7L, 12, 1), t);
    float[] y = fast.toHost(t);
    for (int n = 0; n < 4; n++) moments("per-sample sigma, sample " + n, y, n * N, (n + 1) * N, 0, s[n]);
  }

  @Test
  void multiplicative() {
    float x = 2f, sigma = 0.3f;
    float[] y = draw(Noise.Type.MULTIPLICATIVE, x, sigma, 5, 1);
    moments("multiplicative x(1 + s z)", y, 0, N, x, x * sigma);
    ks("multiplicative", y, x, x * sigma);
  }

  @Test
  void combined() {
    // x (1 + s z) + s z' with independent z, z': mean x, variance s^2 (x^2 + 1), Gaussian. If the second
    // stream were the first one, the variance would be s^2 (x + 1)^2 instead.
    float x = 1.5f, sigma = 0.4f;
    float[] y = draw(Noise.Type.COMBINED, x, sigma, 6, 1);
    double sd = sigma * Math.sqrt(x * x + 1);
    moments("combined", y, 0, N, x, sd);
    ks("combined", y, x, sd);
  }
}
