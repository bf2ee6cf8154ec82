package dev.vant.nn;

import dev.vant.backend.JoinInput;
import dev.vant.backend.Noise;
import dev.vant.backend.StatsHandoff;
import dev.vant.tensor.Tensor;

/**
 * BatchNorm over the channels of x [N,H,W,C], optionally fused with the ReLU and the noise that follow
 * it (the paper's BN -> ReLU -> noise): {@code y = noise(relu?(gamma * (x - mean) / sqrt(var + eps) + beta))}.
 *
 * <p>Training mode normalizes with the batch statistics (biased variance) and updates the running
 * statistics with momentum 0.1 (unbiased variance), like PyTorch; evaluation mode uses the running
 * statistics. Parameters {@code weight} (gamma) and {@code bias} (beta), buffers {@code running_mean},
 * {@code running_var} and the counter {@code num_batches_tracked} — PyTorch's state-dict names.
 */
public final class BatchNorm2d extends Layer {
  /** PyTorch's defaults. */
  public static final float MOMENTUM = 0.1f, EPS = 1e-5f;

  private final int channels;
  private final boolean relu;
  private final NoiseSlot slot;
  private Parameter gamma, beta, runningMean, runningVar;
  private Counter tracked;
  private Tensor saveMean, saveInvStd;
  private Tensor x, y, dx;
  private boolean savedTraining;
  private final StatsHandoff handoff = new StatsHandoff();

  private BatchNorm2d(Builder b) {
    this.channels = b.channels;
    this.relu = b.relu;
    this.slot = b.noisy ? new NoiseSlot(b.op) : null;
  }

  /** A builder for {@code channels} channels; defaults: no ReLU, no noise. */
  public static Builder builder(int channels) {
    return new Builder(channels);
  }

  @Override
  protected void onBind(Binder b) {
    gamma = newParameter(b, "weight", TorchLayout.IDENTITY, Init.Kind.ONES, 1, channels);
    beta = newParameter(b, "bias", TorchLayout.IDENTITY, Init.Kind.ZEROS, 1, channels);
    runningMean = newBuffer("running_mean", 0f, channels);
    runningVar = newBuffer("running_var", 1f, channels);
    tracked = newCounter("num_batches_tracked");
    saveMean = own(backend.zeros(channels));
    saveInvStd = own(backend.zeros(channels));
    if (slot != null) slot.register(b, path);
  }

  @Override
  public int[] outputShape(int[] s) {
    return s.clone();
  }

  @Override
  public Tensor forward(Tensor x, NoiseContext ctx) {
    checkNhwc(x, channels);
    y = ensure(y, x.shape());
    Noise nz = slot != null ? slot.draw(ctx, x.dim(0), path) : Noise.NONE;
    if (training) {
      backend.batchNormTrainForward(x, gamma.value(), beta.value(), runningMean.value(), runningVar.value(),
          MOMENTUM, EPS, saveMean, saveInvStd, relu, nz, y, trainHandoff());
      tracked.increment();
    } else {
      backend.batchNormInferenceForward(x, gamma.value(), beta.value(), runningMean.value(), runningVar.value(),
          EPS, relu, nz, y);
    }
    savedTraining = training;
    this.x = x;
    return y;
  }

  /**
   * The forward of a BatchNorm whose output only a residual join reads: the statistics (training mode: batch
   * statistics, running statistics updated, as {@link #forward}), not the normalized tensor, which the join
   * computes on the fly from what this returns (one memory pass less; same bits). {@link #backward} then works
   * as after {@link #forward}. Only for a BatchNorm without ReLU and noise.
   */
  public JoinInput forwardToJoin(Tensor x, NoiseContext ctx) {
    checkNhwc(x, channels);
    if (relu || slot != null) {
      throw new IllegalStateException(describe() + ": only a BatchNorm without ReLU and noise can hand its output to a join");
    }
    JoinInput in;
    if (training) {
      backend.batchNormTrainStatistics(x, runningMean.value(), runningVar.value(), MOMENTUM, EPS, saveMean, saveInvStd,
          trainHandoff());
      tracked.increment();
      in = JoinInput.trained(x, gamma.value(), beta.value(), saveMean, saveInvStd);
    } else {
      in = JoinInput.inference(x, gamma.value(), beta.value(), runningMean.value(), runningVar.value(), EPS);
    }
    savedTraining = training;
    this.x = x;
    return in;
  }

  @Override
  public Tensor backward(Tensor dy, boolean inputGrad) {
    return backward(dy, inputGrad, null);
  }

  /**
   * {@link #backward} that also writes the sums of its input gradient over the rows into {@code dxSums} [C] (null:
   * none): the bias gradient of the conv before it ({@link NoisyConv2d#biasGradientSink}), in the same pass.
   */
  public Tensor backward(Tensor dy, boolean inputGrad, Tensor dxSums) {
    checkBackward(x);
    if (!savedTraining) throw new IllegalStateException(describe() + ": backward after an evaluation-mode forward is not supported");
    Tensor d = slot != null ? slot.backward(backend, dy) : dy;
    dx = ensure(dx, x.shape());
    backend.batchNormBackward(d, x, gamma.value(), beta.value(), saveMean, saveInvStd, relu, dx, gamma.grad(), beta.grad(), dxSums);
    return inputGrad || dxSums != null ? dx : null;
  }

  /**
   * Where the conv whose output this BatchNorm normalizes next may leave the statistics it makes as it writes that
   * output ({@link NoisyConv2d#forward(Tensor, NoiseContext, StatsHandoff)}): the handoff in training mode with
   * {@link Fusions} on, else null. The forward that follows takes them if they are for its input (same bits).
   */
  public StatsHandoff statsHandoff() {
    return training && Fusions.on() ? handoff : null;
  }

  /**
   * The handoff a training forward reads: {@link #statsHandoff()}, or null after emptying it. Without the emptying,
   * partials a conv left when the fusions were on (and this BatchNorm did not run: a forward that threw between them)
   * would be taken once the fusions are off, by the identity check alone, though the conv has since rewritten the same
   * output tensor without making them.
   */
  private StatsHandoff trainHandoff() {
    StatsHandoff h = statsHandoff();
    if (h == null) handoff.take(null);
    return h;
  }

  /** The scale {@code weight} [C] (after binding). */
  public Parameter gamma() {
    return gamma;
  }

  /** The shift {@code bias} [C] (after binding). */
  public Parameter beta() {
    return beta;
  }

  /** The buffer {@code running_mean} [C]. */
  public Parameter runningMean() {
    return runningMean;
  }

  /** The buffer {@code running_var} [C] (unbiased batch variances, averaged). */
  public Parameter runningVar() {
    return runningVar;
  }

  @Override
  public void close() {
    handoff.close();
    if (slot != null) slot.close();
    super.close();
  }

  /** Builder of {@link BatchNorm2d}. */
  public static final class Builder {
    private final int channels;
    private boolean relu, noisy;
    private NoiseOp op;

    private Builder(int channels) {
      if (channels <= 0) throw new IllegalArgumentException("BatchNorm2d channels must be positive: " + channels);
      this.channels = channels;
    }

    /** Fuses a ReLU after the normalization. */
    public Builder relu(boolean on) {
      this.relu = on;
      return this;
    }

    /** A noise point of its own on the output. */
    public Builder noisy(boolean on) {
      this.noisy = on;
      return this;
    }

    /** A noise point on the output that is an application of {@code op} (implies noisy). */
    public Builder noiseOp(NoiseOp op) {
      this.op = op;
      this.noisy = true;
      return this;
    }

    /** The layer (unbound). */
    public BatchNorm2d build() {
      return new BatchNorm2d(this);
    }
  }
}
