package dev.vant.data;

import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * A procedural 10-class image dataset that needs no files: deterministic from a seed, any image size
 * and channel count, learnable by a small CNN but not trivially (no single pixel or color gives the
 * class away).
 *
 * <p>Class k draws shape {@code k % 5} (disk, square, triangle, cross, ring): one large shape for k < 5,
 * a pair of half-size copies side by side (along a random axis) for k >= 5, on a cluttered background.
 * Every class differs from the others in its coarse silhouette, so, like real image sets, it stays
 * recognizable under moderate pixel and activation noise (an earlier version used fine stripes as the
 * class cue, which no noise-trained model could learn):
 * <ul>
 *   <li>random position (center within +/-18% of the image center), size (radius 30–42% of the side) and
 *       rotation; soft (anti-aliased) edges;</li>
 *   <li>random foreground and background colors (gray levels for C = 1), the shape brighter than the
 *       background by at least 0.5, a random linear background gradient;</li>
 *   <li>0–2 faint random clutter line segments and Gaussian pixel noise (std 0.08).</li>
 * </ul>
 * Image i of a split is a pure function of (seed, split, i) and its label is {@code i % 10}, so any
 * prefix ({@code --limit}) is class-balanced and a larger set extends a smaller one.
 */
public final class SyntheticDataset {
  /** Class names in label order. */
  public static final List<String> CLASS_NAMES = List.of("disk", "square", "triangle", "cross", "ring",
      "disk-pair", "square-pair", "triangle-pair", "cross-pair", "ring-pair");

  private SyntheticDataset() {}

  /**
   * @param train selects the split (the train and test images are independent draws)
   * @param n number of images
   * @param h height, {@code w} width (both >= 8), {@code c} channels (>= 1)
   */
  public static Dataset generate(boolean train, int n, int h, int w, int c, long seed) {
    if (n < 0 || h < 8 || w < 8 || c < 1 || c > 4) {
      throw new IllegalArgumentException("synthetic dataset: need n >= 0, height and width >= 8, 1..4 channels; got n=" + n
          + " " + h + "x" + w + "x" + c);
    }
    int per = h * w * c;
    byte[] px = new byte[Math.multiplyExact(n, per)];
    int[] labels = new int[n];
    IntStream.range(0, n).parallel().forEach(i -> {
      labels[i] = i % 10;
      draw(new SplittableRandom(DataLoader.mix(seed, train ? 0x5EED0 : 0x5EED1, i)), labels[i], h, w, c, px, i * per);
    });
    return new Dataset("synthetic/" + (train ? "train" : "test"), h, w, c, CLASS_NAMES, px, labels, false);
  }

  private static void draw(SplittableRandom r, int label, int h, int w, int c, byte[] dst, int off) {
    int shape = label % 5;
    boolean pair = label >= 5;
    double side = Math.min(h, w);
    double rad = side * r.nextDouble(0.30, 0.42);
    double cx = w / 2.0 + r.nextDouble(-0.18, 0.18) * w;
    double cy = h / 2.0 + r.nextDouble(-0.18, 0.18) * h;
    double rot = r.nextDouble(0, 2 * Math.PI);
    double cr = Math.cos(rot), sr = Math.sin(rot);
    double[] bg = new double[c], fg = new double[c];
    // The shape is always brighter than its background (by >= 0.35 on average): with both polarities a
    // small CNN needs many epochs before it learns anything, which defeats a few-minute demo.
    do {
      for (int k = 0; k < c; k++) {
        bg[k] = r.nextDouble(0, 0.45);
        fg[k] = r.nextDouble(0.5, 1);
      }
    } while (mean(fg) - mean(bg) < 0.5);
    double gx = r.nextDouble(-0.25, 0.25), gy = r.nextDouble(-0.25, 0.25);
    double pa = r.nextDouble(0, Math.PI);
    double pdx = Math.cos(pa) * 0.62 * rad, pdy = Math.sin(pa) * 0.62 * rad; // pair: centers at +/- this offset
    int lines = r.nextInt(3);
    double[][] seg = new double[lines][4];
    double[][] segColor = new double[lines][c];
    for (int l = 0; l < lines; l++) {
      double x0 = r.nextDouble(0, w), y0 = r.nextDouble(0, h);
      double len = r.nextDouble(0.2, 0.5) * side, a = r.nextDouble(0, 2 * Math.PI);
      seg[l] = new double[] {x0, y0, x0 + len * Math.cos(a), y0 + len * Math.sin(a)};
      for (int k = 0; k < c; k++) segColor[l][k] = r.nextDouble();
    }
    double[] v = new double[c];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        double px = x + 0.5, py = y + 0.5;
        double shade = gx * (px / w - 0.5) + gy * (py / h - 0.5);
        for (int k = 0; k < c; k++) v[k] = bg[k] + shade;
        for (int l = 0; l < lines; l++) {
          double a = Math.max(0, 1 - segmentDistance(px, py, seg[l]));
          for (int k = 0; k < c; k++) v[k] += a * 0.4 * (segColor[l][k] - v[k]);
        }
        double alpha = pair
            ? Math.max(coverage(shape, px, py, cx + pdx, cy + pdy, 0.55 * rad, cr, sr),
                coverage(shape, px, py, cx - pdx, cy - pdy, 0.55 * rad, cr, sr))
            : coverage(shape, px, py, cx, cy, rad, cr, sr);
        if (alpha > 0) {
          for (int k = 0; k < c; k++) v[k] += alpha * (fg[k] - v[k]);
        }
        int o = off + (y * w + x) * c;
        for (int k = 0; k < c; k++) {
          double p = v[k] + 0.08 * r.nextGaussian();
          dst[o + k] = (byte) (int) Math.round(clamp(p, 0, 1) * 255);
        }
      }
    }
  }

  /** Anti-aliased coverage (0..1) of pixel center (px, py) by {@code shape} at (cx, cy), radius rad, rotation (cr, sr). */
  private static double coverage(int shape, double px, double py, double cx, double cy, double rad, double cr, double sr) {
    double dx = (px - cx) / rad, dy = (py - cy) / rad;
    double lx = cr * dx + sr * dy, ly = -sr * dx + cr * dy;
    return clamp(0.5 - sdf(shape, lx, ly) * rad, 0, 1);
  }

  /** Signed distance (in units of the radius) to the outline of {@code shape}, negative inside. */
  static double sdf(int shape, double x, double y) {
    switch (shape) {
      case 0: return Math.hypot(x, y) - 1;
      case 1: return Math.max(Math.abs(x), Math.abs(y)) - 0.8;
      case 2: return triangle(x, y);
      case 3: return Math.min(Math.max(Math.abs(x) - 1, Math.abs(y) - 0.3), Math.max(Math.abs(x) - 0.3, Math.abs(y) - 1));
      default: return Math.abs(Math.hypot(x, y) - 0.72) - 0.28;
    }
  }

  /** Equilateral triangle of circumradius ~1.15 (Inigo Quilez's exact SDF). */
  private static double triangle(double x, double y) {
    double k = Math.sqrt(3);
    x = Math.abs(x) - 1;
    y = y + 1 / k;
    if (x + k * y > 0) {
      double nx = (x - k * y) / 2, ny = (-k * x - y) / 2;
      x = nx;
      y = ny;
    }
    x -= clamp(x, -2, 0);
    return -Math.hypot(x, y) * Math.signum(y);
  }

  private static double segmentDistance(double px, double py, double[] s) {
    double vx = s[2] - s[0], vy = s[3] - s[1];
    double t = clamp(((px - s[0]) * vx + (py - s[1]) * vy) / (vx * vx + vy * vy + 1e-12), 0, 1);
    return Math.hypot(px - s[0] - t * vx, py - s[1] - t * vy);
  }

  private static double mean(double[] a) {
    double s = 0;
    for (double v : a) s += v;
    return s / a.length;
  }

  private static double clamp(double x, double lo, double hi) {
    return Math.max(lo, Math.min(hi, x));
  }
}
