package dev.vant.noise;

/**
 * Running statistics of the training noise levels of an epoch (for metrics.jsonl): count, mean, std
 * (population), min and max over every sample of every step added.
 */
public final class SigmaStats {
  private long n;
  private double sum, sumSq;
  private float min = Float.POSITIVE_INFINITY, max = Float.NEGATIVE_INFINITY;

  /** Adds the levels {@code s[0 .. count-1]} of one step ({@link StepLevels#host}). */
  public void add(float[] s, int count) {
    for (int i = 0; i < count; i++) {
      float v = s[i];
      sum += v;
      sumSq += (double) v * v;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    n += count;
  }

  public long count() { return n; }

  /** Mean level (0 when empty). */
  public double mean() { return n == 0 ? 0 : sum / n; }

  /** Population standard deviation (0 when empty). */
  public double std() {
    if (n == 0) return 0;
    double m = mean();
    return Math.sqrt(Math.max(0, sumSq / n - m * m));
  }

  /** Smallest level (0 when empty). */
  public float min() { return n == 0 ? 0 : min; }

  /** Largest level (0 when empty). */
  public float max() { return n == 0 ? 0 : max; }

  /** Forgets everything (start of an epoch). */
  public void reset() {
    n = 0;
    sum = sumSq = 0;
    min = Float.POSITIVE_INFINITY;
    max = Float.NEGATIVE_INFINITY;
  }
}
