package dev.vant.eval;

import dev.vant.data.Batch;
import dev.vant.data.DataLoader;
import dev.vant.noise.InferenceTrace;
import java.util.Arrays;

/**
 * The evaluation loops of {@code vant eval}, independent of the model: the caller supplies a
 * {@link Scorer} that runs the network (BatchNorm in inference mode) on one batch with the given noise
 * and counts correct predictions. These loops fix the protocol: noise redrawn per batch, K repeats with
 * disjoint noise streams ({@link EvalSteps}), accuracy = correct / images of the whole test set.
 */
public final class Robustness {
  private Robustness() {}

  /** Runs the model on one batch under inference noise. */
  @FunctionalInterface
  public interface Scorer {
    /**
     * @param batch the test images (normalized NHWC) and labels
     * @param sigma inference level per sample [batch.n()]; all equal unless {@code perSample}
     * @param perSample true when the levels differ within the batch (then a [N] sigma tensor is needed;
     *     else {@code sigma[0]} can be the scalar level)
     * @param seed noise seed
     * @param step noise step ({@link EvalSteps}); the scorer uses it for every noise site of the pass
     * @return the number of correct predictions in the batch
     */
    int correct(Batch batch, float[] sigma, boolean perSample, long seed, int step);
  }

  /**
   * The robustness curve over {@code grid}: for each sigma and each repeat k in [0, repeats), the
   * accuracy over the whole test set with noise steps {@code EvalSteps.step(k, b)}. sigma 0 is
   * deterministic, so it is evaluated once and copied to all repeats (std 0).
   */
  public static RobustnessCurve curve(String label, DataLoader test, double[] grid, int repeats, long seed, Scorer scorer) {
    SigmaGrid.validate(grid, "robustness of " + label);
    if (repeats < 1) throw new IllegalArgumentException("robustness of " + label + ": repeats must be >= 1, got " + repeats);
    double[][] acc = new double[grid.length][repeats];
    for (int s = 0; s < grid.length; s++) {
      for (int k = 0; k < repeats; k++) {
        if (grid[s] == 0 && k > 0) {
          acc[s][k] = acc[s][0];
          continue;
        }
        acc[s][k] = accuracy(test, (float) grid[s], k, seed, scorer);
      }
    }
    return RobustnessCurve.of(label, grid, acc);
  }

  private static double accuracy(DataLoader test, float sigma, int repeat, long seed, Scorer scorer) {
    long correct = 0, total = 0;
    try (DataLoader.Epoch it = test.epoch(0)) {
      for (int b = 0; it.hasNext(); b++) {
        Batch batch = it.next();
        float[] s = new float[batch.n()];
        Arrays.fill(s, sigma);
        correct += scorer.correct(batch, s, false, seed, EvalSteps.step(repeat, b));
        total += batch.n();
      }
    }
    if (total == 0) throw new IllegalArgumentException("robustness: the test set " + test.dataset().name() + " is empty");
    return (double) correct / total;
  }

  /**
   * Accuracy over deployment time under a fluctuating trace: time t = 0 .. length-1 walks through the
   * test batches in order (wrapping around when {@code length} exceeds one pass), batch t sees
   * {@code trace.levels(t, n)}. The trace is one fixed scenario shared by all repeats; the repeats
   * redraw the noise itself (step {@code EvalSteps.step(k, t)}).
   *
   * @param length number of batches of deployment time (>= 1); {@code test.batches()} for one pass
   */
  public static TraceCurve trace(InferenceTrace trace, DataLoader test, int length, int repeats, long seed, Scorer scorer) {
    if (length < 1 || repeats < 1) {
      throw new IllegalArgumentException("trace evaluation '" + trace.spec() + "': length and repeats must be >= 1, got "
          + length + ", " + repeats);
    }
    double[][] sig = new double[repeats][length];
    double[][] acc = new double[repeats][length];
    for (int k = 0; k < repeats; k++) {
      int t = 0;
      for (int pass = 0; t < length; pass++) {
        try (DataLoader.Epoch it = test.epoch(0)) {
          if (!it.hasNext()) throw new IllegalArgumentException("trace evaluation: the test set " + test.dataset().name() + " is empty");
          while (it.hasNext() && t < length) {
            Batch b = it.next();
            float[] s = trace.levels(t, b.n());
            double mean = 0;
            for (float v : s) mean += v;
            sig[k][t] = mean / b.n();
            acc[k][t] = (double) scorer.correct(b, s, trace.perSample(), seed, EvalSteps.step(k, t)) / b.n();
            t++;
          }
        }
      }
    }
    return TraceCurve.of(trace.spec(), sig, acc);
  }
}
