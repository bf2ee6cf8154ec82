/**
 * Robustness evaluation without the model: {@link dev.vant.eval.Robustness} loops over a sigma grid
 * ({@link dev.vant.eval.SigmaGrid}) or a fluctuating trace with a caller-supplied scorer, producing a
 * {@link dev.vant.eval.RobustnessCurve} (AUC, nAUC, rAUC) or a {@link dev.vant.eval.TraceCurve};
 * {@link dev.vant.eval.RobustnessFiles} writes and reads robustness.json / .csv and
 * {@link dev.vant.eval.RobustnessPlots} draws the PNGs. All files are written atomically
 * ({@link dev.vant.eval.AtomicFiles}).
 */
package dev.vant.eval;
