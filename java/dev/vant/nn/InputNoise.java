package dev.vant.nn;

import dev.vant.tensor.Tensor;

/**
 * The noise point on the network input: {@code y = noise(x)}, any shape; the caller's x is not
 * modified. Backward passes the gradient through (times {@code 1 + s*z} for multiplicative noise).
 */
public final class InputNoise extends Layer {
  private final NoiseSlot slot = new NoiseSlot(null);
  private Tensor x, y;

  @Override
  protected void onBind(Binder b) {
    slot.register(b, path);
  }

  @Override
  public int[] outputShape(int[] s) {
    return s.clone();
  }

  @Override
  public Tensor forward(Tensor x, NoiseContext ctx) {
    y = ensure(y, x.shape());
    backend.noiseForward(x, slot.draw(ctx, x.dim(0), path), y);
    this.x = x;
    return y;
  }

  @Override
  public Tensor backward(Tensor dy, boolean inputGrad) {
    checkBackward(x);
    return inputGrad ? slot.backward(backend, dy) : null;
  }

  @Override
  public void close() {
    slot.close();
    super.close();
  }
}
