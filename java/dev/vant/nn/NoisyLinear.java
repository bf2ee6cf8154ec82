package dev.vant.nn;

import dev.vant.backend.Noise;
import dev.vant.tensor.Tensor;
import java.util.Arrays;

/**
 * Fully connected layer with optional bias and a noise point on its output, in one fused backend call:
 * {@code y [N,OUT] = noise(x [N,IN] weight^T + bias [OUT])}, weight {@code [OUT, IN]} (PyTorch's layout).
 *
 * <p>When the input is a flattened NHWC activation ({@link Flatten}), declare it with
 * {@link Builder#afterFlatten} so that checkpoints convert the weight's columns to PyTorch's NCHW
 * flattening order.
 */
public final class NoisyLinear extends Layer {
  private final int in, out;
  private final boolean hasBias, noisy;
  private final int[] flatHwc;
  private final NoiseSlot slot;
  private Parameter weight, bias;
  private Tensor x, y, dx;

  private NoisyLinear(Builder b) {
    this.in = b.in;
    this.out = b.out;
    this.hasBias = b.bias;
    this.noisy = b.noisy;
    this.flatHwc = b.flatHwc;
    this.slot = b.noisy ? new NoiseSlot(b.op) : null;
  }

  /** A builder for {@code in -> out} features; defaults: bias, noise on. */
  public static Builder builder(int in, int out) {
    return new Builder(in, out);
  }

  @Override
  protected void onBind(Binder b) {
    TorchLayout layout = flatHwc == null ? TorchLayout.IDENTITY : TorchLayout.linearAfterFlatten(flatHwc[0], flatHwc[1], flatHwc[2]);
    weight = newParameter(b, "weight", layout, Init.Kind.KAIMING_UNIFORM, in, out, in);
    if (hasBias) bias = newParameter(b, "bias", TorchLayout.IDENTITY, Init.Kind.KAIMING_UNIFORM, in, out);
    if (noisy) slot.register(b, path);
  }

  @Override
  public int[] outputShape(int[] s) {
    return new int[] {s[0], out};
  }

  @Override
  public Tensor forward(Tensor x, NoiseContext ctx) {
    if (x.rank() != 2 || x.dim(1) != in) {
      throw new IllegalArgumentException(describe() + ": expected input [N, " + in + "] but got " + Arrays.toString(x.shape()));
    }
    int n = x.dim(0);
    y = ensure(y, n, out);
    Noise nz = noisy ? slot.draw(ctx, n, path) : Noise.NONE;
    backend.linearForward(x, weight.value(), hasBias ? bias.value() : null, nz, y);
    this.x = x;
    return y;
  }

  @Override
  public Tensor backward(Tensor dy, boolean inputGrad) {
    checkBackward(x);
    Tensor d = noisy ? slot.backward(backend, dy) : dy;
    backend.linearBackwardWeight(x, d, weight.grad(), hasBias ? bias.grad() : null);
    if (!inputGrad) return null;
    dx = ensure(dx, x.shape());
    backend.linearBackwardData(d, weight.value(), dx);
    return dx;
  }

  /** The weight [OUT, IN] (after binding). */
  public Parameter weight() {
    return weight;
  }

  /** The bias [OUT], or null. */
  public Parameter bias() {
    return bias;
  }

  @Override
  public void close() {
    if (slot != null) slot.close();
    super.close();
  }

  /** Builder of {@link NoisyLinear}. */
  public static final class Builder {
    private final int in, out;
    private boolean bias = true, noisy = true;
    private int[] flatHwc;
    private NoiseOp op;

    private Builder(int in, int out) {
      if (in <= 0 || out <= 0) throw new IllegalArgumentException("linear features must be positive: " + in + " -> " + out);
      this.in = in;
      this.out = out;
    }

    /** Whether the layer has a bias [OUT] (default true). */
    public Builder bias(boolean on) {
      this.bias = on;
      return this;
    }

    /** Whether the output carries a noise point (default true). */
    public Builder noisy(boolean on) {
      this.noisy = on;
      return this;
    }

    /** Applies the noise as an application of a shared operator. */
    public Builder noiseOp(NoiseOp op) {
      this.op = op;
      return this;
    }

    /** The input is an NHWC activation [N, h, w, c] flattened to [N, h*w*c] (h*w*c must equal in). */
    public Builder afterFlatten(int h, int w, int c) {
      if (h * w * c != in) throw new IllegalArgumentException("afterFlatten " + h + "x" + w + "x" + c + " != in features " + in);
      this.flatHwc = new int[] {h, w, c};
      return this;
    }

    /** The layer (unbound). */
    public NoisyLinear build() {
      return new NoisyLinear(this);
    }
  }
}
