package dev.vant.nn;

import dev.vant.backend.Noise;
import dev.vant.tensor.Tensor;

/**
 * Global average pool with an optional noise point: {@code y [N,C] = noise(mean over H, W of x [N,H,W,C])}
 * (the output is flat, ready for a {@link NoisyLinear}). Backward: {@code dx = dy / (H*W)}.
 */
public final class GlobalAvgPool extends Layer {
  private final NoiseSlot slot;
  private Tensor x, y, dx;

  /** A noisy global average pool. */
  public GlobalAvgPool() {
    this(true);
  }

  /** A global average pool with ({@code noisy}) or without a noise point. */
  public GlobalAvgPool(boolean noisy) {
    this.slot = noisy ? new NoiseSlot(null) : null;
  }

  @Override
  protected void onBind(Binder b) {
    if (slot != null) slot.register(b, path);
  }

  @Override
  public int[] outputShape(int[] s) {
    return new int[] {s[0], s[3]};
  }

  @Override
  public Tensor forward(Tensor x, NoiseContext ctx) {
    checkNhwc(x, -1);
    y = ensure(y, x.dim(0), x.dim(3));
    Noise nz = slot != null ? slot.draw(ctx, x.dim(0), path) : Noise.NONE;
    backend.globalAvgPoolForward(x, nz, y);
    this.x = x;
    return y;
  }

  @Override
  public Tensor backward(Tensor dy, boolean inputGrad) {
    checkBackward(x);
    if (!inputGrad) return null;
    Tensor d = slot != null ? slot.backward(backend, dy) : dy;
    dx = ensure(dx, x.shape());
    backend.globalAvgPoolBackward(d, dx);
    return dx;
  }

  @Override
  public void close() {
    if (slot != null) slot.close();
    super.close();
  }
}
