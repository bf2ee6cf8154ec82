package dev.vant.optim;

/**
 * A learning rate as a function of the step (or epoch — the caller chooses the unit and calls
 * {@link Optimizer#setLr} with {@code lr(t)} before each update), t = 0, 1, 2, ...
 */
@FunctionalInterface
public interface LrSchedule {
  /** The learning rate at step (or epoch) {@code t >= 0}. */
  double lr(long t);

  /** Always {@code lr}. */
  static LrSchedule constant(double lr) {
    return t -> lr;
  }

  /**
   * PyTorch's {@code CosineAnnealingLR} in closed form:
   * {@code lr(t) = etaMin + (base - etaMin) * (1 + cos(pi * t / tMax)) / 2} for {@code t <= tMax}; PyTorch's
   * closed form keeps following the cosine after tMax (it rises again), and so does this.
   */
  static LrSchedule cosine(double base, long tMax, double etaMin) {
    if (tMax <= 0) throw new IllegalArgumentException("cosine annealing needs T_max > 0, got " + tMax);
    return t -> etaMin + (base - etaMin) * (1 + Math.cos(Math.PI * t / tMax)) / 2;
  }

  /**
   * Linear warm-up for {@code warmup} steps, then {@code after} (started from its own t = 0):
   * {@code lr(t) = after.lr(0) * (t + 1) / warmup} for {@code t < warmup}, else {@code after.lr(t - warmup)}.
   */
  static LrSchedule warmup(long warmup, LrSchedule after) {
    if (warmup < 0) throw new IllegalArgumentException("warm-up steps must be >= 0, got " + warmup);
    return t -> t < warmup ? after.lr(0) * (t + 1) / warmup : after.lr(t - warmup);
  }
}
