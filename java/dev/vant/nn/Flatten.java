package dev.vant.nn;

import dev.vant.tensor.Tensor;

/**
 * {@code [N, H, W, C] -> [N, H*W*C]} in NHWC order (a view, no copy). PyTorch flattens NCHW: a following
 * {@link NoisyLinear} declares {@link NoisyLinear.Builder#afterFlatten} so checkpoints convert.
 */
public final class Flatten extends Layer {
  private int[] inShape;

  @Override
  protected void onBind(Binder b) {}

  @Override
  public int[] outputShape(int[] s) {
    long f = 1;
    for (int i = 1; i < s.length; i++) f *= s[i];
    return new int[] {s[0], Math.toIntExact(f)};
  }

  @Override
  public Tensor forward(Tensor x, NoiseContext ctx) {
    inShape = x.shape();
    return x.reshape(outputShape(inShape));
  }

  @Override
  public Tensor backward(Tensor dy, boolean inputGrad) {
    checkBackward(inShape);
    return inputGrad ? dy.reshape(inShape) : null;
  }
}
