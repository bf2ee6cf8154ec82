/**
 * Noise levels over time: training schedules ({@link dev.vant.noise.NoiseSchedule}: none, NT with a
 * per-epoch linear ramp, VANT per sample or per epoch) that yield per-step {@link dev.vant.noise.StepLevels}
 * a backend can draw identically on host or device ({@link dev.vant.noise.SigmaDraw}, reserved sites
 * {@code 0xFFFF0000..0xFFFF0002}), and fluctuating inference-noise traces for evaluation
 * ({@link dev.vant.noise.InferenceTrace}). The noise formula itself is {@link dev.vant.backend.Noise}.
 */
package dev.vant.noise;
