package dev.vant.eval;

import java.util.Arrays;
import java.util.TreeSet;

/**
 * Grids of inference noise levels for robustness curves. A grid is a sorted array of distinct levels
 * >= 0; 0 is the clean point that nAUC divides by.
 */
public final class SigmaGrid {
  private SigmaGrid() {}

  /** The paper's grid plus 0: 0, 0.1, 0.3, ..., 2.1, 2.4, 2.7, 3.0 (15 points). */
  public static double[] paper() {
    double[] g = new double[15];
    g[0] = 0;
    for (int i = 0; i < 11; i++) g[1 + i] = round(0.1 + 0.2 * i);
    g[12] = 2.4;
    g[13] = 2.7;
    g[14] = 3.0;
    return g;
  }

  /** {@code points} evenly spaced levels from 0 to {@code max} inclusive (points >= 2). */
  public static double[] upTo(double max, int points) {
    if (!(max > 0) || points < 2) {
      throw new IllegalArgumentException("sigma grid: need max > 0 and at least 2 points, got max " + max + ", points " + points);
    }
    double[] g = new double[points];
    for (int i = 0; i < points; i++) g[i] = round(max * i / (points - 1));
    return g;
  }

  /**
   * Parses a grid: "paper", or comma-separated levels and inclusive ranges {@code FROM:TO:STEP}, e.g.
   * {@code "0,0.1:2.1:0.2,2.4,2.7,3"}. The result is sorted and deduplicated.
   *
   * @throws IllegalArgumentException naming the bad part
   */
  public static double[] parse(String spec) {
    if (spec == null || spec.isBlank()) throw new IllegalArgumentException("sigma grid: empty");
    if (spec.trim().equalsIgnoreCase("paper")) return paper();
    TreeSet<Double> set = new TreeSet<>();
    for (String part : spec.split(",")) {
      String p = part.trim();
      String[] r = p.split(":");
      try {
        if (r.length == 1) {
          set.add(check(Double.parseDouble(p), spec));
        } else if (r.length == 3) {
          double from = Double.parseDouble(r[0]), to = Double.parseDouble(r[1]), step = Double.parseDouble(r[2]);
          if (!(step > 0) || to < from) {
            throw new IllegalArgumentException("sigma grid '" + spec + "': range '" + p + "' needs FROM <= TO and STEP > 0");
          }
          long n = Math.round(Math.floor((to - from) / step + 1e-9));
          if (n > 100_000) throw new IllegalArgumentException("sigma grid '" + spec + "': range '" + p + "' has too many points");
          for (long i = 0; i <= n; i++) set.add(check(round(from + i * step), spec));
        } else {
          throw new IllegalArgumentException("sigma grid '" + spec + "': '" + p + "' is neither a level nor FROM:TO:STEP");
        }
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("sigma grid '" + spec + "': '" + p + "' is not a number or FROM:TO:STEP");
      }
    }
    return set.stream().mapToDouble(Double::doubleValue).toArray();
  }

  private static double check(double s, String spec) {
    if (!(s >= 0) || !Double.isFinite(s)) {
      throw new IllegalArgumentException("sigma grid '" + spec + "': levels must be finite and >= 0, got " + s);
    }
    return s;
  }

  /** Rounds away binary noise of decimal steps (0.1 + 0.2 * 3 = 0.7000000000000001 -> 0.7). */
  static double round(double x) {
    return Math.round(x * 1e9) / 1e9;
  }

  /** Checks a grid: non-empty, finite, >= 0, strictly increasing. */
  public static void validate(double[] g, String what) {
    if (g == null || g.length == 0) throw new IllegalArgumentException(what + ": empty sigma grid");
    for (int i = 0; i < g.length; i++) {
      if (!(g[i] >= 0) || !Double.isFinite(g[i])) {
        throw new IllegalArgumentException(what + ": sigma " + g[i] + " is not finite and >= 0 in " + Arrays.toString(g));
      }
      if (i > 0 && !(g[i] > g[i - 1])) {
        throw new IllegalArgumentException(what + ": sigma grid must be strictly increasing: " + Arrays.toString(g));
      }
    }
  }
}
