package dev.vant.nn;

import dev.vant.tensor.Tensor;

/**
 * The "ReLU + noise" operator: {@code y = noise(relu(x))}, any shape. Backward: {@code dx = dy} where
 * {@code x > 0}, else 0 (noise as an additive constant).
 */
public final class ReluNoise extends Layer {
  private final NoiseSlot slot;
  private Tensor x, y, dx;

  /** ReLU with a noise operator of its own. */
  public ReluNoise() {
    this(null);
  }

  /** ReLU whose noise is an application of {@code op} (null: an operator of its own). */
  public ReluNoise(NoiseOp op) {
    this.slot = new NoiseSlot(op);
  }

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
    backend.reluForward(x, slot.draw(ctx, x.dim(0), path), y);
    this.x = x;
    return y;
  }

  @Override
  public Tensor backward(Tensor dy, boolean inputGrad) {
    checkBackward(x);
    if (!inputGrad) return null;
    Tensor d = slot.backward(backend, dy);
    dx = ensure(dx, x.shape());
    backend.reluBackward(d, x, dx);
    return dx;
  }

  @Override
  public void close() {
    slot.close();
    super.close();
  }
}
