package dev.vant.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.function.DoubleSupplier;

/**
 * The central-difference core of the gradient checks of ops ({@code GradCheck}) and of layers and models
 * ({@code dev.vant.nn.NnGradCheck}), in double precision: each checked element of {@code p} is moved by
 * +/- {@link #H} in place, and {@code |analytic - numeric| <= REL * max(|analytic|, |numeric|) + ABS} must
 * hold. H = 1e-5 puts the truncation error (H^2/6 |L'''|, about 1e-10 at our sizes) and the rounding error
 * (2^-52 |L| / H, about 2e-9 for |L| < 100) well below REL = 1e-6; ABS = 1e-9 is the floor for gradients
 * that are (near) zero, where only rounding error remains.
 */
public final class CentralDifference {
  public static final double H = 1e-5, REL = 1e-6, ABS = 1e-9;

  private CentralDifference() {}

  /**
   * Checks {@code analytic} as the gradient of {@code loss()} with respect to {@code p}, at most about
   * {@code maxPoints} elements spread evenly (starting half a stride in when {@code midStride}); returns the
   * worst relative error. {@code loss} is called once more at the end, on the unperturbed input.
   */
  public static double check(String what, double[] p, double[] analytic, DoubleSupplier loss, int maxPoints,
      boolean midStride) {
    int n = p.length;
    int stride = Math.max(1, n / maxPoints);
    double worst = 0;
    int checked = 0;
    for (int i = midStride && n > maxPoints ? stride / 2 : 0; i < n; i += stride) {
      double v = p[i];
      p[i] = v + H;
      double lp = loss.getAsDouble();
      p[i] = v - H;
      double lm = loss.getAsDouble();
      p[i] = v;
      double num = (lp - lm) / (2 * H);
      double a = analytic[i];
      double err = Math.abs(a - num);
      double scale = Math.max(Math.abs(a), Math.abs(num));
      if (!(err <= REL * scale + ABS)) {
        fail(what + ": element " + i + " analytic " + a + " numeric " + num + " |diff| " + err + " > allowed " + (REL * scale + ABS));
      }
      worst = Math.max(worst, err / (scale + ABS / REL));
      checked++;
    }
    assertTrue(checked > 0, what + ": nothing checked");
    loss.getAsDouble(); // leave outputs consistent with the unperturbed input
    return worst;
  }
}
