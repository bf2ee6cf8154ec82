package dev.vant.backend;

/**
 * Geometry of a max-pool over x [N, H, W, C] with a window of {@code size x size}, stride and padding
 * (padded positions never win). Output [N, P, Q, C] with {@code P = (H + 2*pad - size) / stride + 1}.
 */
public record PoolShape(int n, int h, int w, int c, int size, int stride, int pad) {
  public PoolShape {
    if (n <= 0 || h <= 0 || w <= 0 || c <= 0 || size <= 0 || stride <= 0 || pad < 0 || 2 * pad > size) {
      throw new IllegalArgumentException("bad pool shape " + this);
    }
  }

  public int p() {
    return (h + 2 * pad - size) / stride + 1;
  }

  public int q() {
    return (w + 2 * pad - size) / stride + 1;
  }

  public int[] outputShape() {
    return new int[] {n, p(), q(), c};
  }
}
