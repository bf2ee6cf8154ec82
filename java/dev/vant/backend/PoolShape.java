package dev.vant.backend;

/**
 * Geometry of a max-pool over x [N, H, W, C] with a window of {@code size x size}, stride and padding
 * (padded positions never win). Output [N, P, Q, C] with {@code P = (H + 2*pad - size) / stride + 1}.
 */
public record PoolShape(int n, int h, int w, int c, int size, int stride, int pad) {
  public PoolShape {
    if (n <= 0 || h <= 0 || w <= 0 || c <= 0 || size <= 0 || stride <= 0 || pad < 0 || 2 * pad > size) {
      throw new IllegalArgumentException("bad pool shape " + describe(n, h, w, c, size, stride, pad));
    }
    if (size > MAX_SIZE) {
      throw new IllegalArgumentException("pool shape " + describe(n, h, w, c, size, stride, pad) + ": window size " + size
          + " exceeds " + MAX_SIZE + " (window positions r * size + s are held exactly in floats)");
    }
  }

  // The compact constructor runs before the fields are set: its messages are built from the parameters.
  private static String describe(int n, int h, int w, int c, int size, int stride, int pad) {
    return "PoolShape[n=" + n + ", h=" + h + ", w=" + w + ", c=" + c + ", size=" + size + ", stride=" + stride + ", pad=" + pad + "]";
  }

  /** The largest window side: {@code size * size} positions stay exact integers in a float. */
  public static final int MAX_SIZE = 4096;

  public int p() {
    return (h + 2 * pad - size) / stride + 1;
  }

  public int q() {
    return (w + 2 * pad - size) / stride + 1;
  }

  public int[] outputShape() {
    return new int[] {n, p(), q(), c};
  }

  /**
   * The flat NHWC index into x of position {@code pos} ({@code r * size + s}, as maxPoolForward records it) of
   * window (n, p, q, c); -1 for {@code pos == -1} (a window with no valid position). Anything else that is not
   * a position of the window inside x throws, naming {@code op} and the window: argmax must come from
   * maxPoolForward with this shape.
   */
  public int inputIndex(String op, int sample, int p, int q, int channel, double pos) {
    if (pos == -1) return -1;
    int k = (int) pos, ih = p * stride - pad + k / size, iw = q * stride - pad + k % size;
    if (k != pos || k < 0 || k >= size * size || ih < 0 || ih >= h || iw < 0 || iw >= w) {
      throw new IllegalArgumentException(op + ": argmax " + pos + " at window (n " + sample + ", p " + p + ", q " + q
          + ", c " + channel + ") is not a position r * size + s of that window inside x (argmax must come from"
          + " maxPoolForward with the same shape)");
    }
    return ((sample * h + ih) * w + iw) * c + channel;
  }

  /**
   * {@link #inputIndex} without the checks, for a position the caller found itself or has already checked:
   * position {@code pos >= 0} of window (sample, p, q, channel), or -1 for -1.
   */
  public int windowIndex(int sample, int p, int q, int channel, int pos) {
    if (pos < 0) return -1;
    return ((sample * h + p * stride - pad + pos / size) * w + q * stride - pad + pos % size) * c + channel;
  }
}
