package dev.vant.backend;

/**
 * Geometry of a 2-D convolution. Input x [N, H, W, C] (NHWC), weights w [K, R, S, C] (KRSC), output
 * y [N, P, Q, K] with {@code P = (H + 2*pad - R) / stride + 1}, {@code Q = (W + 2*pad - S) / stride + 1}.
 * Zero padding, no dilation, no groups.
 */
public record Conv2dShape(int n, int h, int w, int c, int k, int r, int s, int stride, int pad) {
  public Conv2dShape {
    if (n <= 0 || h <= 0 || w <= 0 || c <= 0 || k <= 0 || r <= 0 || s <= 0 || stride <= 0 || pad < 0) {
      throw new IllegalArgumentException("bad conv2d shape " + this);
    }
    if (h + 2 * pad < r || w + 2 * pad < s) {
      throw new IllegalArgumentException("conv2d kernel " + r + "x" + s + " larger than padded input " + (h + 2 * pad) + "x" + (w + 2 * pad));
    }
  }

  public int p() {
    return (h + 2 * pad - r) / stride + 1;
  }

  public int q() {
    return (w + 2 * pad - s) / stride + 1;
  }

  public int[] inputShape() {
    return new int[] {n, h, w, c};
  }

  public int[] weightShape() {
    return new int[] {k, r, s, c};
  }

  public int[] outputShape() {
    return new int[] {n, p(), q(), k};
  }

  /** Multiply-adds of the forward pass times two. */
  public double flops() {
    return 2.0 * n * p() * q() * k * r * s * c;
  }
}
