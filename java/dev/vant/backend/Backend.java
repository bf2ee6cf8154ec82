package dev.vant.backend;

import dev.vant.tensor.Tensor;
import java.util.List;

/**
 * The one seam between layers and hardware (DESIGN.md §3). Layers call only these operations; the CPU
 * backends ({@code dev.vant.backend.cpu}) and the CUDA backend ({@code dev.vant.backend.cuda}) implement
 * them with identical semantics, including the noise, which is a pure function of
 * (seed, site, step, element) — see {@link Noise}.
 *
 * <p>Conventions:
 * <ul>
 *   <li>Shapes: activations NHWC [N, H, W, C], conv weights KRSC [K, R, S, C], linear x [N, IN],
 *       linear weights [OUT, IN], per-channel vectors [C]. A [N, C] tensor is accepted wherever
 *       [N, 1, 1, C] is.</li>
 *   <li>Every output tensor is passed in, allocated by the caller with the right shape, and fully
 *       overwritten (gradients too: nothing accumulates).</li>
 *   <li>Noise is applied last, after bias / normalization / ReLU, exactly as {@link Noise} defines.
 *       Backward passes take the gradient after {@link #noiseBackward} has been applied by the caller.</li>
 *   <li>Bad shapes throw {@link IllegalArgumentException} naming the operation and the shapes.</li>
 * </ul>
 */
public interface Backend extends AutoCloseable {
  /** "cpu-reference", "cpu-fast", "cuda". */
  String name();

  // ---- memory -------------------------------------------------------------------------------------

  /** A new tensor of zeros. */
  Tensor zeros(int... shape);

  /** A new tensor holding {@code data} (length = product of shape). */
  Tensor fromHost(float[] data, int... shape);

  /** Copies the tensor's elements to {@code dst} (length >= size). */
  void toHost(Tensor t, float[] dst);

  default float[] toHost(Tensor t) {
    float[] a = new float[Math.toIntExact(t.size())];
    toHost(t, a);
    return a;
  }

  /** Overwrites the elements of {@code dst} with {@code src} (length = dst's size), e.g. a fixed input buffer. */
  default void copyFromHost(float[] src, Tensor dst) {
    try (Tensor t = fromHost(src, dst.shape())) {
      copy(t, dst);
    }
  }

  /** Overwrites {@code dst} with {@code src} (same size). */
  void copy(Tensor src, Tensor dst);

  /** Sets every element to {@code value}. */
  void fill(Tensor t, float value);

  /**
   * y = a + b elementwise (same size; {@code y} may be {@code a} or {@code b}). Layers need it to sum the
   * two gradients that meet at a residual block's input (main branch + shortcut).
   *
   * <p>Added by the nn layer work. The default goes through the host in float32 and is correct on any
   * backend but slow, and it loses precision on a double-precision backend: backends override it.
   */
  default void add(Tensor a, Tensor b, Tensor y) {
    if (a.size() != b.size() || a.size() != y.size()) {
      throw new IllegalArgumentException("add: sizes differ: a " + java.util.Arrays.toString(a.shape())
          + ", b " + java.util.Arrays.toString(b.shape()) + ", y " + java.util.Arrays.toString(y.shape()));
    }
    float[] ha = toHost(a);
    float[] hb = toHost(b);
    for (int i = 0; i < ha.length; i++) ha[i] += hb[i];
    try (Tensor t = fromHost(ha, y.shape())) {
      copy(t, y);
    }
  }

  // ---- noise --------------------------------------------------------------------------------------

  /** y = noise(x): the standalone noise point (the network input). {@code y} may be {@code x}. */
  void noiseForward(Tensor x, Noise noise, Tensor y);

  /**
   * dx = d noise(x) / dx applied to dy: identity for additive noise, {@code dy * (1 + s*z)} for the
   * multiplicative and combined forms. {@code dx} may be {@code dy}.
   */
  void noiseBackward(Noise noise, Tensor dy, Tensor dx);

  /**
   * VANT per-sample levels: {@code sigma[i] = base + theta * |z_i|} with {@code z_i = eps(seed, site, step, i)},
   * i in [0, N), computed in float as {@code fma(theta, |z_i|, base)}. {@code site} is the reserved site of
   * the level draw (see {@code dev.vant.noise}).
   */
  void sampleSigmas(long seed, int site, int step, float base, float theta, Tensor sigma);

  // ---- convolution --------------------------------------------------------------------------------

  /** y [N,P,Q,K] = noise(conv(x [N,H,W,C], w [K,R,S,C]) + bias [K]); bias may be null. */
  void conv2dForward(Conv2dShape g, Tensor x, Tensor w, Tensor bias, Noise noise, Tensor y);

  /**
   * {@link #conv2dForward} whose output a training BatchNorm reads next: where the backend can, it also makes that
   * BatchNorm's statistics partials as it writes y and leaves them in {@code stats} (null: none). The default makes
   * none; y is the same either way.
   */
  default void conv2dForward(Conv2dShape g, Tensor x, Tensor w, Tensor bias, Noise noise, Tensor y, StatsHandoff stats) {
    conv2dForward(g, x, w, bias, noise, y);
  }

  /** dx [N,H,W,C] from dy [N,P,Q,K] and w [K,R,S,C]. */
  void conv2dBackwardData(Conv2dShape g, Tensor dy, Tensor w, Tensor dx);

  /**
   * dx = the data gradient + {@code addend} (shaped like dx; null: none): a residual block's two input gradients
   * summed where the first is made (the CUDA backend adds in the GEMM's epilogue instead of a pass of its own).
   * The same bits as {@link #conv2dBackwardData} followed by {@link #add}. {@code addend} must not be dx.
   */
  default void conv2dBackwardData(Conv2dShape g, Tensor dy, Tensor w, Tensor dx, Tensor addend) {
    if (addend == dx) throw new IllegalArgumentException("conv2dBackwardData " + g + ": addend is dx");
    if (addend != null && !java.util.Arrays.equals(addend.shape(), g.inputShape())) {
      throw new IllegalArgumentException("conv2dBackwardData " + g + ": addend has shape " + java.util.Arrays.toString(addend.shape())
          + ", expected " + java.util.Arrays.toString(g.inputShape()));
    }
    conv2dBackwardData(g, dy, w, dx);
    if (addend != null) add(dx, addend, dx);
  }

  /** dw [K,R,S,C] and, unless null, dbias [K] from x and dy. */
  void conv2dBackwardWeight(Conv2dShape g, Tensor x, Tensor dy, Tensor dw, Tensor dbias);

  // ---- linear -------------------------------------------------------------------------------------

  /** y [N,OUT] = noise(x [N,IN] w^T + bias [OUT]), w [OUT,IN]; bias may be null. */
  void linearForward(Tensor x, Tensor w, Tensor bias, Noise noise, Tensor y);

  /** dx [N,IN] = dy [N,OUT] w [OUT,IN]. */
  void linearBackwardData(Tensor dy, Tensor w, Tensor dx);

  /** dw [OUT,IN] = dy^T x and, unless null, dbias [OUT] = column sums of dy. */
  void linearBackwardWeight(Tensor x, Tensor dy, Tensor dw, Tensor dbias);

  // ---- batch normalization (per channel C over N*H*W) ---------------------------------------------

  /**
   * Training mode: batch mean and biased variance normalize x; running statistics are updated with
   * {@code running = (1 - momentum) * running + momentum * batch} using the unbiased variance (PyTorch);
   * {@code saveMean}, {@code saveInvStd = 1/sqrt(var_biased + eps)} keep what backward needs.
   * y = noise(relu?(gamma * (x - mean) * invStd + beta)).
   */
  void batchNormTrainForward(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar,
      float momentum, float eps, Tensor saveMean, Tensor saveInvStd, boolean relu, Noise noise, Tensor y);

  /**
   * The statistics part of {@link #batchNormTrainForward} alone: the same saveMean, saveInvStd and running
   * statistics, no output. For a BatchNorm whose normalized values a residual join reads on the fly
   * ({@link JoinInput#trained}).
   */
  void batchNormTrainStatistics(Tensor x, Tensor runningMean, Tensor runningVar, float momentum, float eps,
      Tensor saveMean, Tensor saveInvStd);

  /**
   * {@link #batchNormTrainForward} that takes x's statistics partials from {@code stats} where the conv that wrote x
   * left them there ({@link StatsHandoff#take}); otherwise, and by default, as without it. The same bits either way.
   */
  default void batchNormTrainForward(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar,
      float momentum, float eps, Tensor saveMean, Tensor saveInvStd, boolean relu, Noise noise, Tensor y, StatsHandoff stats) {
    if (stats != null) stats.take(x);
    batchNormTrainForward(x, gamma, beta, runningMean, runningVar, momentum, eps, saveMean, saveInvStd, relu, noise, y);
  }

  /** {@link #batchNormTrainStatistics} with the partials of {@code stats}, as {@link #batchNormTrainForward} above. */
  default void batchNormTrainStatistics(Tensor x, Tensor runningMean, Tensor runningVar, float momentum, float eps,
      Tensor saveMean, Tensor saveInvStd, StatsHandoff stats) {
    if (stats != null) stats.take(x);
    batchNormTrainStatistics(x, runningMean, runningVar, momentum, eps, saveMean, saveInvStd);
  }

  /** Inference mode: y = noise(relu?(gamma * (x - runningMean) / sqrt(runningVar + eps) + beta)). */
  void batchNormInferenceForward(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar,
      float eps, boolean relu, Noise noise, Tensor y);

  /**
   * Backward of the training forward: with {@code relu} the ReLU mask is recomputed from x, gamma, beta
   * and the saved statistics. Writes dx, dgamma [C], dbeta [C].
   */
  default void batchNormBackward(Tensor dy, Tensor x, Tensor gamma, Tensor beta, Tensor saveMean, Tensor saveInvStd,
      boolean relu, Tensor dx, Tensor dgamma, Tensor dbeta) {
    batchNormBackward(dy, x, gamma, beta, saveMean, saveInvStd, relu, dx, dgamma, dbeta, null);
  }

  /**
   * {@link #batchNormBackward} that also writes the sums of dx over its rows into {@code dxSums} [C] (null: none):
   * the bias gradient of the convolution whose output this BatchNorm normalizes, where the noise between them passes
   * gradients unchanged, in the same pass over dx (the CUDA backend: one launch instead of a bias-gradient launch
   * that reads dx again). {@code dxSums} gets the bits {@link #conv2dBackwardWeight} gives that bias from dx.
   */
  void batchNormBackward(Tensor dy, Tensor x, Tensor gamma, Tensor beta, Tensor saveMean, Tensor saveInvStd,
      boolean relu, Tensor dx, Tensor dgamma, Tensor dbeta, Tensor dxSums);

  // ---- elementwise --------------------------------------------------------------------------------

  /** y = noise(relu(x)). */
  void reluForward(Tensor x, Noise noise, Tensor y);

  /** dx = dy where x > 0, else 0 (x is the ReLU's input). */
  void reluBackward(Tensor dy, Tensor x, Tensor dx);

  /** y = noise(relu(a + b)) — the residual join. */
  default void addReluForward(Tensor a, Tensor b, Noise noise, Tensor y) {
    addReluForward(JoinInput.plain(a), JoinInput.plain(b), noise, y);
  }

  /**
   * y = noise(relu(a' + b')) where a', b' are the inputs' values, normalized on the fly where a {@link JoinInput}
   * says so: the residual join with the BatchNorms of its branches fused in (one pass instead of one per
   * BatchNorm plus the join's). Same bits as writing each normalized input with the BatchNorm first.
   */
  void addReluForward(JoinInput a, JoinInput b, Noise noise, Tensor y);

  /** dx = dy where a + b > 0, else 0: the gradient of both a and b. */
  default void addReluBackward(Tensor dy, Tensor a, Tensor b, Tensor dx) {
    addReluBackward(dy, JoinInput.plain(a), JoinInput.plain(b), dx);
  }

  /**
   * dx = dy where a' + b' > 0, else 0, with a', b' recomputed as the forward made them: the gradient of the
   * join's outputs before their BatchNorms' backward.
   */
  void addReluBackward(Tensor dy, JoinInput a, JoinInput b, Tensor dx);

  // ---- pooling ------------------------------------------------------------------------------------

  /**
   * y [N,P,Q,C] = noise(max over each window of x [N,H,W,C]). Where {@code argmax} (shaped like y) is not null
   * it receives, per output, where its window's first maximum is: {@code r * size + s} for window row r and
   * column s (an integer held in a float, exact up to size 4096), or -1 for a window with no valid position;
   * {@link #maxPoolBackward} routes the gradient by it.
   */
  void maxPoolForward(PoolShape g, Tensor x, Noise noise, Tensor y, Tensor argmax);

  /** {@link #maxPoolForward} without the window positions (inference: no backward follows). */
  default void maxPoolForward(PoolShape g, Tensor x, Noise noise, Tensor y) {
    maxPoolForward(g, x, noise, y, null);
  }

  /**
   * dx [N,H,W,C]: dy routed to the first maximum of each window, as recorded in {@code argmax} by
   * {@link #maxPoolForward} with the same shape, summed over overlapping windows in (p, q) order. The
   * maxima are not searched again (the first GPU run spent 0.41 ms of a 6.2 ms ResNet-18 step doing that).
   * A position outside its window is rejected with an error naming it, dx untouched. (The CUDA backend checks,
   * on the host, only positions its own forward did not write for this geometry.)
   */
  void maxPoolBackward(PoolShape g, Tensor dy, Tensor argmax, Tensor dx);

  /** y [N,C] = noise(mean over H, W of x [N,H,W,C]). */
  void globalAvgPoolForward(Tensor x, Noise noise, Tensor y);

  /** dx [N,H,W,C] = dy [N,C] / (H*W). */
  void globalAvgPoolBackward(Tensor dy, Tensor dx);

  // ---- loss ---------------------------------------------------------------------------------------

  /**
   * Softmax cross-entropy, mean over the batch. logits [N,K]; labels [N] holding class indices as
   * floats; writes dlogits [N,K] = (softmax - onehot) / N and stats [2] = {mean loss, number correct}
   * (argmax, first maximum on ties). The stats stay on the device until the caller reads them.
   */
  void softmaxCrossEntropy(Tensor logits, Tensor labels, Tensor dlogits, Tensor stats);

  // ---- optimizers ---------------------------------------------------------------------------------

  /** One Adam step {@code t} (1-based) over all parameters; m and v are the moment buffers. */
  void adamUpdate(List<Tensor> params, List<Tensor> grads, List<Tensor> m, List<Tensor> v, AdamConfig cfg, int t);

  /** One SGD step; {@code firstStep} initializes the momentum buffers from the gradient (PyTorch). */
  void sgdUpdate(List<Tensor> params, List<Tensor> grads, List<Tensor> momentum, SgdConfig cfg, boolean firstStep);

  // ---- recorded steps (CUDA graphs) ---------------------------------------------------------------

  /** True when {@link #captureStep} works here (the CUDA backend); the CPU backends run every step eagerly. */
  default boolean canCaptureSteps() {
    return false;
  }

  /**
   * Records the ops that {@code body} issues as one replayable step and runs that recording once, so the
   * call has the effect of running {@code body} with the scalars {@code s}. Inside {@code body} every
   * noise op must use step {@code s.step()} and the optimizer update {@code s.lr()} and {@code s.optimizerStep()}
   * (they are read from device memory on replay; a different value fails here rather than being frozen
   * into the recording), no tensor may be copied to or from the host, and no new device memory may be
   * needed (run the same step eagerly first). A recording reads, before writing them, only buffers that
   * stay allocated across replays (parameters, gradients, optimizer and BatchNorm state, the caller's
   * fixed inputs); everything else it uses is scratch.
   *
   * @throws UnsupportedOperationException where {@link #canCaptureSteps()} is false
   * @throws IllegalStateException naming the op when the step cannot be recorded
   */
  default StepGraph captureStep(StepScalars s, Runnable body) {
    throw new UnsupportedOperationException(name() + " cannot record steps (CUDA graphs need the CUDA backend)");
  }

  /** Frees what the backend holds (device memory, thread pools). Tensors made by it must be closed first. */
  @Override
  void close();
}
