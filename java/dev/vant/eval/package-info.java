/**
 * Robustness evaluation: sigma grids ({@link dev.vant.eval.SigmaGrid}), the
 * {@link dev.vant.eval.RobustnessCurve} (AUC, nAUC, rAUC) and the {@link dev.vant.eval.TraceCurve} of a
 * fluctuating-noise evaluation;
 * {@link dev.vant.eval.RobustnessFiles} writes and reads robustness.json / .csv and
 * {@link dev.vant.eval.RobustnessPlots} draws the PNGs. All files are written atomically
 * ({@link dev.vant.io.AtomicFiles}).
 */
package dev.vant.eval;
