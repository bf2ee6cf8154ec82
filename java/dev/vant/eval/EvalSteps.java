package dev.vant.eval;

/**
 * Step numbers of the evaluation noise, disjoint from training steps (DESIGN.md §2): training uses
 * steps 0 .. 2^31 - 1, evaluation sets the top bit:
 *
 * <pre>
 *   step = 0x80000000 | repeat &lt;&lt; 20 | batch        repeat &lt; 2048, batch &lt; 2^20
 * </pre>
 *
 * The step does not depend on sigma: within one repeat every grid point sees the same standard normal
 * draws scaled by its own sigma (common random numbers), which makes a curve smooth in sigma and lets
 * two models evaluated with the same seed see identical noise.
 */
public final class EvalSteps {
  public static final int MAX_REPEATS = 1 << 11;
  public static final int MAX_BATCHES = 1 << 20;

  private EvalSteps() {}

  /** The step of batch {@code batch} (or deployment time t) in repeat {@code repeat}. */
  public static int step(int repeat, int batch) {
    if (repeat < 0 || repeat >= MAX_REPEATS || batch < 0 || batch >= MAX_BATCHES) {
      throw new IllegalArgumentException("evaluation step: repeat " + repeat + " must be in [0, " + MAX_REPEATS
          + ") and batch " + batch + " in [0, " + MAX_BATCHES + ")");
    }
    return 0x80000000 | repeat << 20 | batch;
  }
}
