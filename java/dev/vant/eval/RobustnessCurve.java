package dev.vant.eval;

import java.util.Arrays;

/**
 * Accuracy versus inference noise level: for each sigma of a grid, the mean and standard deviation of
 * the test accuracy (a fraction in [0, 1]) over K repeats with different noise seeds (DESIGN.md §1,
 * Evaluation), and the robustness summaries computed from it.
 *
 * <ul>
 *   <li>{@link #auc()}: trapezoidal area under the mean curve over the whole grid as given (including
 *       sigma 0 when the grid has it).</li>
 *   <li>{@link #nauc()}: {@code AUC / (clean accuracy * (sigma_max - sigma_min))}; clean accuracy is
 *       the mean at sigma 0, so the grid must contain 0. 1.0 means no loss at any level.</li>
 *   <li>{@link #rauc(RobustnessCurve)}: {@code AUC / AUC of the reference}, both over <em>this</em>
 *       curve's grid: the reference is linearly interpolated at this curve's sigmas when the grids
 *       differ, and must cover this curve's sigma range (no extrapolation).</li>
 * </ul>
 * The std is the sample standard deviation (divisor K - 1), 0 when K = 1.
 *
 * @param label name shown in plots and tables (e.g. "vant", a run folder)
 * @param sigmas strictly increasing levels >= 0
 * @param mean mean accuracy per level
 * @param std standard deviation of the accuracy per level
 * @param repeats K, the number of noise seeds per level
 */
public record RobustnessCurve(String label, double[] sigmas, double[] mean, double[] std, int repeats) {

  /** Validates lengths, the grid and the accuracies (finite, in [0, 1]; std >= 0). */
  public RobustnessCurve {
    if (label == null) throw new IllegalArgumentException("robustness curve: label must not be null");
    String what = "robustness curve '" + label + "'";
    SigmaGrid.validate(sigmas, what);
    if (mean == null || std == null || mean.length != sigmas.length || std.length != sigmas.length) {
      throw new IllegalArgumentException(what + ": " + sigmas.length + " sigmas but mean/std of length "
          + (mean == null ? "null" : mean.length) + "/" + (std == null ? "null" : std.length));
    }
    if (repeats < 1) throw new IllegalArgumentException(what + ": repeats must be >= 1, got " + repeats);
    for (int i = 0; i < sigmas.length; i++) {
      if (!(mean[i] >= 0 && mean[i] <= 1)) throw new IllegalArgumentException(what + ": accuracy " + mean[i] + " at sigma " + sigmas[i] + " is not in [0, 1]");
      if (!(std[i] >= 0) || !Double.isFinite(std[i])) throw new IllegalArgumentException(what + ": std " + std[i] + " at sigma " + sigmas[i] + " is not finite and >= 0");
    }
    sigmas = sigmas.clone();
    mean = mean.clone();
    std = std.clone();
  }

  /**
   * A curve from raw accuracies: {@code accuracies[s][k]} is the accuracy at {@code sigmas[s]} under
   * noise seed k (every row has the same K >= 1).
   */
  public static RobustnessCurve of(String label, double[] sigmas, double[][] accuracies) {
    if (accuracies == null || accuracies.length != sigmas.length) {
      throw new IllegalArgumentException("robustness curve '" + label + "': " + sigmas.length + " sigmas but "
          + (accuracies == null ? "no" : accuracies.length) + " rows of accuracies");
    }
    int k = accuracies.length == 0 ? 0 : accuracies[0].length;
    double[] m = new double[sigmas.length];
    double[] sd = new double[sigmas.length];
    for (int s = 0; s < sigmas.length; s++) {
      double[] row = accuracies[s];
      if (row.length != k || k == 0) {
        throw new IllegalArgumentException("robustness curve '" + label + "': sigma " + sigmas[s] + " has " + row.length
            + " repeats, expected " + k + " (>= 1)");
      }
      double sum = 0;
      for (double a : row) sum += a;
      m[s] = sum / k;
      double ss = 0;
      for (double a : row) ss += (a - m[s]) * (a - m[s]);
      sd[s] = k > 1 ? Math.sqrt(ss / (k - 1)) : 0;
    }
    return new RobustnessCurve(label, sigmas, m, sd, Math.max(k, 1));
  }

  /** The same curve under another label. */
  public RobustnessCurve withLabel(String newLabel) {
    return new RobustnessCurve(newLabel, sigmas, mean, std, repeats);
  }

  /** Mean accuracy at sigma 0. @throws IllegalStateException if the grid has no 0 */
  public double clean() {
    if (sigmas[0] != 0) {
      throw new IllegalStateException("robustness curve '" + label + "': no clean point (sigma 0) in grid " + Arrays.toString(sigmas));
    }
    return mean[0];
  }

  /** Trapezoidal AUC of the mean accuracy over the grid (0 for a one-point grid). */
  public double auc() {
    return trapezoid(sigmas, mean);
  }

  /** {@code AUC / (clean * (sigma_max - sigma_min))}. @throws IllegalStateException without sigma 0, a one-point grid or clean accuracy 0 */
  public double nauc() {
    double width = sigmas[sigmas.length - 1] - sigmas[0];
    double clean = clean();
    if (width == 0) throw new IllegalStateException("robustness curve '" + label + "': nAUC needs at least two sigmas");
    if (clean == 0) throw new IllegalStateException("robustness curve '" + label + "': nAUC undefined, clean accuracy is 0");
    return auc() / (clean * width);
  }

  /**
   * {@code AUC(this) / AUC(reference)} over this curve's grid; the reference is linearly interpolated
   * at this curve's sigmas.
   *
   * @throws IllegalArgumentException if the reference does not cover this curve's sigma range or its AUC there is 0
   */
  public double rauc(RobustnessCurve reference) {
    double lo = sigmas[0], hi = sigmas[sigmas.length - 1];
    double[] rs = reference.sigmas;
    if (rs[0] > lo + 1e-12 || rs[rs.length - 1] < hi - 1e-12) {
      throw new IllegalArgumentException("rAUC: reference '" + reference.label + "' covers sigma " + rs[0] + ".."
          + rs[rs.length - 1] + " but curve '" + label + "' needs " + lo + ".." + hi);
    }
    double[] r = new double[sigmas.length];
    for (int i = 0; i < sigmas.length; i++) r[i] = reference.accuracyAt(sigmas[i]);
    double refAuc = trapezoid(sigmas, r);
    if (refAuc == 0) throw new IllegalArgumentException("rAUC: reference '" + reference.label + "' has AUC 0");
    return auc() / refAuc;
  }

  /**
   * Mean accuracy at {@code sigma} by linear interpolation between grid points.
   *
   * @throws IllegalArgumentException outside the grid's range
   */
  public double accuracyAt(double sigma) {
    int n = sigmas.length;
    if (sigma < sigmas[0] - 1e-12 || sigma > sigmas[n - 1] + 1e-12) {
      throw new IllegalArgumentException("robustness curve '" + label + "': sigma " + sigma + " outside " + sigmas[0] + ".." + sigmas[n - 1]);
    }
    int j = Arrays.binarySearch(sigmas, sigma);
    if (j >= 0) return mean[j];
    int hiIdx = -j - 1;
    if (hiIdx <= 0) return mean[0];
    if (hiIdx >= n) return mean[n - 1];
    double x0 = sigmas[hiIdx - 1], x1 = sigmas[hiIdx];
    double w = (sigma - x0) / (x1 - x0);
    return mean[hiIdx - 1] * (1 - w) + mean[hiIdx] * w;
  }

  static double trapezoid(double[] x, double[] y) {
    double a = 0;
    for (int i = 1; i < x.length; i++) a += (x[i] - x[i - 1]) * (y[i] + y[i - 1]) / 2;
    return a;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RobustnessCurve c && label.equals(c.label) && repeats == c.repeats
        && Arrays.equals(sigmas, c.sigmas) && Arrays.equals(mean, c.mean) && Arrays.equals(std, c.std);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(sigmas) * 31 + Arrays.hashCode(mean);
  }

  @Override
  public String toString() {
    return "RobustnessCurve[" + label + ", sigmas=" + Arrays.toString(sigmas) + ", mean=" + Arrays.toString(mean)
        + ", std=" + Arrays.toString(std) + ", repeats=" + repeats + "]";
  }
}
