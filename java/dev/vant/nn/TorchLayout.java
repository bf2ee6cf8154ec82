package dev.vant.nn;

import java.util.Arrays;

/**
 * The map between a parameter in vant's canonical layout and the same parameter in PyTorch's state
 * dict. Used only by checkpoint import/export (DESIGN.md §3: conversions happen only there).
 */
public interface TorchLayout {
  /** Same shape, same element order (biases, BatchNorm vectors, linear weights on flat features). */
  TorchLayout IDENTITY = new TorchLayout() {
    @Override
    public int[] torchShape(int[] shape) {
      return shape.clone();
    }

    @Override
    public float[] toTorch(float[] data, int[] shape) {
      return data.clone();
    }

    @Override
    public float[] fromTorch(float[] data, int[] shape) {
      return data.clone();
    }
  };

  /** Conv weights: vant KRSC {@code [K, R, S, C]} vs PyTorch OIHW {@code [K, C, R, S]}. */
  TorchLayout CONV_KRSC = new TorchLayout() {
    @Override
    public int[] torchShape(int[] s) {
      return new int[] {s[0], s[3], s[1], s[2]};
    }

    @Override
    public float[] toTorch(float[] data, int[] s) {
      int k = s[0], r = s[1], q = s[2], c = s[3];
      float[] out = new float[data.length];
      for (int ki = 0; ki < k; ki++)
        for (int ri = 0; ri < r; ri++)
          for (int si = 0; si < q; si++)
            for (int ci = 0; ci < c; ci++)
              out[((ki * c + ci) * r + ri) * q + si] = data[((ki * r + ri) * q + si) * c + ci];
      return out;
    }

    @Override
    public float[] fromTorch(float[] data, int[] s) {
      int k = s[0], r = s[1], q = s[2], c = s[3];
      float[] out = new float[data.length];
      for (int ki = 0; ki < k; ki++)
        for (int ri = 0; ri < r; ri++)
          for (int si = 0; si < q; si++)
            for (int ci = 0; ci < c; ci++)
              out[((ki * r + ri) * q + si) * c + ci] = data[((ki * c + ci) * r + ri) * q + si];
      return out;
    }
  };

  /**
   * Linear weights {@code [OUT, H*W*C]} that read a flattened NHWC activation: PyTorch flattens NCHW,
   * so its columns are ordered (c, h, w) where vant's are (h, w, c). Same shape, columns permuted.
   */
  static TorchLayout linearAfterFlatten(int h, int w, int c) {
    return new TorchLayout() {
      @Override
      public int[] torchShape(int[] shape) {
        return shape.clone();
      }

      @Override
      public float[] toTorch(float[] data, int[] shape) {
        check(shape);
        float[] out = new float[data.length];
        int f = h * w * c;
        for (int o = 0; o < shape[0]; o++)
          for (int hi = 0; hi < h; hi++)
            for (int wi = 0; wi < w; wi++)
              for (int ci = 0; ci < c; ci++)
                out[o * f + (ci * h + hi) * w + wi] = data[o * f + (hi * w + wi) * c + ci];
        return out;
      }

      @Override
      public float[] fromTorch(float[] data, int[] shape) {
        check(shape);
        float[] out = new float[data.length];
        int f = h * w * c;
        for (int o = 0; o < shape[0]; o++)
          for (int hi = 0; hi < h; hi++)
            for (int wi = 0; wi < w; wi++)
              for (int ci = 0; ci < c; ci++)
                out[o * f + (hi * w + wi) * c + ci] = data[o * f + (ci * h + hi) * w + wi];
        return out;
      }

      private void check(int[] shape) {
        if (shape.length != 2 || shape[1] != h * w * c) {
          throw new IllegalArgumentException("linear-after-flatten layout " + h + "x" + w + "x" + c
              + " does not fit weight " + Arrays.toString(shape));
        }
      }
    };
  }

  /** PyTorch's shape for a vant tensor of shape {@code shape}. */
  int[] torchShape(int[] shape);

  /** Reorders {@code data} (vant layout, vant shape {@code shape}) into PyTorch's element order. */
  float[] toTorch(float[] data, int[] shape);

  /** Reorders PyTorch-ordered {@code data} into vant's layout for vant shape {@code shape}. */
  float[] fromTorch(float[] data, int[] shape);
}
