package dev.vant.backend;

import dev.vant.tensor.Tensor;

/**
 * One input of a residual join ({@link Backend#addReluForward(JoinInput, JoinInput, Noise, Tensor)}): either a
 * tensor as it is, or a tensor seen through a BatchNorm without ReLU or noise whose per-channel statistics are
 * known, so that the join normalizes it on the fly and the BatchNorm's output is never written
 * (DESIGN.md §4: BN-apply fused into the next kernel's input load).
 *
 * <p>The normalized value is exactly what {@link Backend#batchNormTrainForward} (with {@code scale} = the saved
 * {@code invStd}) or {@link Backend#batchNormInferenceForward} (with {@code scale} = the running variance and
 * {@code fromVariance}) would have written for that element, so a fused join gives the bits of the unfused one.
 *
 * @param x the input [N,H,W,C] (for a normalized input: the BatchNorm's input)
 * @param gamma the BatchNorm's scale [C], null for a plain input
 * @param beta its shift [C]
 * @param mean the saved batch mean (training) or the running mean (inference) [C]
 * @param scale the saved 1/sqrt(var + eps) (training) or the running variance (inference) [C]
 * @param fromVariance whether {@code scale} is a variance (inference: invStd = 1/sqrt(scale + eps))
 * @param eps the BatchNorm's epsilon (used only with {@code fromVariance})
 */
public record JoinInput(Tensor x, Tensor gamma, Tensor beta, Tensor mean, Tensor scale, boolean fromVariance, float eps) {
  public JoinInput {
    if (x == null) throw new IllegalArgumentException("join input: x is null");
    boolean any = gamma != null || beta != null || mean != null || scale != null;
    if (any && (gamma == null || beta == null || mean == null || scale == null)) {
      throw new IllegalArgumentException("join input " + x + ": a normalized input needs gamma, beta, mean and scale");
    }
  }

  /** x as it is. */
  public static JoinInput plain(Tensor x) {
    return new JoinInput(x, null, null, null, null, false, 0f);
  }

  /** x normalized with training statistics: gamma * (x - mean) * invStd + beta. */
  public static JoinInput trained(Tensor x, Tensor gamma, Tensor beta, Tensor mean, Tensor invStd) {
    return new JoinInput(x, gamma, beta, mean, invStd, false, 0f);
  }

  /** x normalized with running statistics: gamma * (x - runningMean) / sqrt(runningVar + eps) + beta. */
  public static JoinInput inference(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar, float eps) {
    return new JoinInput(x, gamma, beta, runningMean, runningVar, true, eps);
  }

  /** Whether the input goes through a BatchNorm. */
  public boolean normalized() {
    return gamma != null;
  }
}
