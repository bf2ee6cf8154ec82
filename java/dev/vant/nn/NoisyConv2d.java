package dev.vant.nn;

import dev.vant.backend.Conv2dShape;
import dev.vant.backend.Noise;
import dev.vant.backend.StatsHandoff;
import dev.vant.tensor.Tensor;

/**
 * 2-D convolution with optional bias and a noise point on its output, in one fused backend call:
 * {@code y [N,P,Q,K] = noise(conv(x [N,H,W,C], weight [K,R,S,C]) + bias [K])}.
 *
 * <p>Parameters: {@code weight} (KRSC here, OIHW in checkpoints) and, with bias, {@code bias}.
 * PyTorch's default init. Build with {@link #builder(int, int)}.
 */
public final class NoisyConv2d extends Layer {
  private final int in, out, kernel, stride, pad;
  private final boolean hasBias, noisy;
  private final NoiseSlot slot;
  private Parameter weight, bias;
  private Tensor x, y, dx;
  private Conv2dShape g;

  private NoisyConv2d(Builder b) {
    this.in = b.in;
    this.out = b.out;
    this.kernel = b.kernel;
    this.stride = b.stride;
    this.pad = b.pad;
    this.hasBias = b.bias;
    this.noisy = b.noisy;
    this.slot = b.noisy ? new NoiseSlot(b.op) : null;
  }

  /** A builder for {@code in -> out} channels; defaults: 3x3, stride 1, pad 1, bias, noise on. */
  public static Builder builder(int in, int out) {
    return new Builder(in, out);
  }

  @Override
  protected void onBind(Binder b) {
    int fanIn = in * kernel * kernel;
    weight = newParameter(b, "weight", TorchLayout.CONV_KRSC, Init.Kind.KAIMING_UNIFORM, fanIn, out, kernel, kernel, in);
    if (hasBias) bias = newParameter(b, "bias", TorchLayout.IDENTITY, Init.Kind.KAIMING_UNIFORM, fanIn, out);
    if (noisy) slot.register(b, path);
  }

  @Override
  public int[] outputShape(int[] s) {
    Conv2dShape c = new Conv2dShape(s[0], s[1], s[2], s[3], out, kernel, kernel, stride, pad);
    return c.outputShape();
  }

  @Override
  public Tensor forward(Tensor x, NoiseContext ctx) {
    return forward(x, ctx, null);
  }

  /**
   * The forward whose output the training BatchNorm owning {@code stats} reads next ({@link BatchNorm2d#statsHandoff};
   * null: none): the backend may make that BatchNorm's statistics as it writes the output (same bits).
   */
  public Tensor forward(Tensor x, NoiseContext ctx, StatsHandoff stats) {
    checkNhwc(x, in);
    int n = x.dim(0);
    try {
      g = new Conv2dShape(n, x.dim(1), x.dim(2), in, out, kernel, kernel, stride, pad);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(describe() + ": " + e.getMessage(), e);
    }
    y = ensure(y, g.outputShape());
    Noise nz = noisy ? slot.draw(ctx, n, path) : Noise.NONE;
    backend.conv2dForward(g, x, weight.value(), hasBias ? bias.value() : null, nz, y, stats);
    this.x = x;
    return y;
  }

  @Override
  public Tensor backward(Tensor dy, boolean inputGrad) {
    return backward(dy, inputGrad, null, false);
  }

  /**
   * Where the BatchNorm that normalizes this conv's output may write this conv's bias gradient (the sums of the
   * BatchNorm's dx over the rows, {@link dev.vant.backend.Backend#batchNormBackward} with dxSums) in its backward pass: the
   * bias's gradient tensor when this conv has a bias and its output noise passes gradients unchanged (none or
   * additive, as in the last forward), else null. The caller then runs {@link #backward(Tensor, boolean, Tensor,
   * boolean)} with {@code biasDone}.
   */
  public Tensor biasGradientSink() {
    return hasBias && (!noisy || slot.passesGradient()) ? bias.grad() : null;
  }

  /**
   * {@link #backward} with two of a residual block's fusions: {@code addend} (shaped like the input; null: none) is
   * added to the input gradient in the same pass (the block's shortcut gradient), and with {@code biasDone} the bias
   * gradient is taken as already written (by the following BatchNorm, {@link #biasGradientSink}).
   */
  public Tensor backward(Tensor dy, boolean inputGrad, Tensor addend, boolean biasDone) {
    if (biasDone && biasGradientSink() == null) {
      throw new IllegalStateException(describe() + ": bias gradient taken as done, but this conv has no bias or its noise scales gradients");
    }
    return backward(dy, inputGrad, addend, biasDone ? null : (hasBias ? bias.grad() : null));
  }

  private Tensor backward(Tensor dy, boolean inputGrad, Tensor addend, Tensor dbias) {
    checkBackward(x);
    Tensor d = noisy ? slot.backward(backend, dy) : dy;
    backend.conv2dBackwardWeight(g, x, d, weight.grad(), dbias);
    if (!inputGrad) return null;
    dx = ensure(dx, g.inputShape());
    backend.conv2dBackwardData(g, d, weight.value(), dx, addend);
    return dx;
  }

  /** The weight, KRSC [K, R, S, C] (after binding). */
  public Parameter weight() {
    return weight;
  }

  /** The bias, or null. */
  public Parameter bias() {
    return bias;
  }

  @Override
  public void close() {
    if (slot != null) slot.close();
    super.close();
  }

  /** Builder of {@link NoisyConv2d}. */
  public static final class Builder {
    private final int in, out;
    private int kernel = 3, stride = 1, pad = 1;
    private boolean bias = true, noisy = true;
    private NoiseOp op;

    private Builder(int in, int out) {
      if (in <= 0 || out <= 0) throw new IllegalArgumentException("conv channels must be positive: " + in + " -> " + out);
      this.in = in;
      this.out = out;
    }

    /** Square kernel size (R = S). */
    public Builder kernel(int k) {
      this.kernel = k;
      return this;
    }

    /** Stride in both directions. */
    public Builder stride(int s) {
      this.stride = s;
      return this;
    }

    /** Zero padding on each side. */
    public Builder pad(int p) {
      this.pad = p;
      return this;
    }

    /** Whether the conv has a bias [K] (default true). */
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

    /** The layer (unbound). */
    public NoisyConv2d build() {
      if (kernel <= 0 || stride <= 0 || pad < 0) throw new IllegalArgumentException("bad conv geometry kernel=" + kernel + " stride=" + stride + " pad=" + pad);
      return new NoisyConv2d(this);
    }
  }
}
