package dev.vant.nn;

import dev.vant.backend.Noise;
import dev.vant.backend.PoolShape;
import dev.vant.tensor.Tensor;

/**
 * Max-pool with an optional noise point: {@code y [N,P,Q,C] = noise(max over size x size windows of
 * x [N,H,W,C])}, padded positions never win. Backward routes dy to the first maximum of each window.
 */
public final class MaxPool2d extends Layer {
  private final int size, stride, pad;
  private final NoiseSlot slot;
  private PoolShape g;
  private Tensor x, y, argmax, dx;

  /** A noisy max-pool (noise operator of its own). */
  public MaxPool2d(int size, int stride, int pad) {
    this(size, stride, pad, true);
  }

  /** A {@code size x size} max-pool with stride and zero padding, with ({@code noisy}) or without a noise point. */
  public MaxPool2d(int size, int stride, int pad, boolean noisy) {
    this.size = size;
    this.stride = stride;
    this.pad = pad;
    this.slot = noisy ? new NoiseSlot(null) : null;
  }

  @Override
  protected void onBind(Binder b) {
    if (slot != null) slot.register(b, path);
  }

  @Override
  public int[] outputShape(int[] s) {
    return new PoolShape(s[0], s[1], s[2], s[3], size, stride, pad).outputShape();
  }

  @Override
  public Tensor forward(Tensor x, NoiseContext ctx) {
    checkNhwc(x, -1);
    try {
      g = new PoolShape(x.dim(0), x.dim(1), x.dim(2), x.dim(3), size, stride, pad);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(describe() + ": " + e.getMessage(), e);
    }
    if (x.dim(1) + 2 * pad < size || x.dim(2) + 2 * pad < size) {
      throw new IllegalArgumentException(describe() + ": input " + java.util.Arrays.toString(x.shape()) + " is too small for a " + size + "x" + size + " pool");
    }
    y = ensure(y, g.outputShape());
    argmax = ensure(argmax, g.outputShape());
    Noise nz = slot != null ? slot.draw(ctx, x.dim(0), path) : Noise.NONE;
    backend.maxPoolForward(g, x, nz, y, argmax);
    this.x = x;
    return y;
  }

  @Override
  public Tensor backward(Tensor dy, boolean inputGrad) {
    checkBackward(x);
    if (!inputGrad) return null;
    Tensor d = slot != null ? slot.backward(backend, dy) : dy;
    dx = ensure(dx, x.shape());
    backend.maxPoolBackward(g, d, argmax, dx);
    return dx;
  }

  @Override
  public void close() {
    if (slot != null) slot.close();
    super.close();
  }
}
