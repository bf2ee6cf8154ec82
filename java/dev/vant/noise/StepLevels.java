package dev.vant.noise;

import dev.vant.backend.Backend;
import dev.vant.backend.Noise;
import dev.vant.tensor.Tensor;

/**
 * The training noise levels of one step, as {@link NoiseSchedule#levels} describes them, in a form both
 * backends can materialize identically: either on the host ({@link #host}) or on the device through
 * {@code Backend.sampleSigmas(seed, site, step, base, theta, sigma)} ({@link #fill}).
 *
 * <ul>
 *   <li>{@link Mode#CONSTANT}: every sample gets {@code base} (theta, site, step unused);</li>
 *   <li>{@link Mode#SHARED}: every sample gets {@code fma(theta, |eps(seed, site, step, 0)|, base)};</li>
 *   <li>{@link Mode#PER_SAMPLE}: sample i gets {@code fma(theta, |eps(seed, site, step, i)|, base)}.</li>
 * </ul>
 *
 * @param type noise formula ({@link Noise.Type#NONE}: no noise at all)
 * @param mode how the levels are formed
 * @param base constant level, or the base of the draw
 * @param theta spread of the draw
 * @param site reserved site of the draw ({@link SigmaDraw})
 * @param step step of the draw (the global training step for PER_SAMPLE, the epoch for SHARED)
 */
public record StepLevels(Noise.Type type, Mode mode, float base, float theta, int site, int step) {

  /** How the levels are formed. */
  public enum Mode { CONSTANT, SHARED, PER_SAMPLE }

  /** One level for all samples. */
  public static StepLevels constant(Noise.Type type, float sigma) {
    return new StepLevels(type, Mode.CONSTANT, sigma, 0f, 0, 0);
  }

  /** One drawn level for all samples (element 0 of the draw). */
  public static StepLevels shared(Noise.Type type, float base, float theta, int site, int step) {
    return new StepLevels(type, Mode.SHARED, base, theta, site, step);
  }

  /** One drawn level per sample. */
  public static StepLevels perSample(Noise.Type type, float base, float theta, int site, int step) {
    return new StepLevels(type, Mode.PER_SAMPLE, base, theta, site, step);
  }

  /** True when the samples of the batch have different levels (a [N] sigma tensor is needed). */
  public boolean perSample() {
    return type != Noise.Type.NONE && mode == Mode.PER_SAMPLE;
  }

  /** False when no noise is applied (type NONE, or a constant level of 0). */
  public boolean enabled() {
    return type != Noise.Type.NONE && !(mode == Mode.CONSTANT && base == 0f);
  }

  /**
   * The level shared by all samples (CONSTANT or SHARED mode).
   *
   * @throws IllegalStateException in PER_SAMPLE mode
   */
  public float scalar(long seed) {
    return switch (mode) {
      case CONSTANT -> base;
      case SHARED -> SigmaDraw.one(seed, site, step, 0, base, theta);
      case PER_SAMPLE -> throw new IllegalStateException("StepLevels.scalar: levels are per sample; use host() or fill()");
    };
  }

  /** The levels of a batch of {@code n} samples on the host (all 0 for type NONE). */
  public float[] host(long seed, int n) {
    float[] s = new float[n];
    if (type == Noise.Type.NONE) return s;
    if (mode == Mode.PER_SAMPLE) {
      SigmaDraw.sample(seed, site, step, base, theta, s, 0, n);
    } else {
      java.util.Arrays.fill(s, scalar(seed));
    }
    return s;
  }

  /**
   * Writes the levels of the batch into {@code sigma} [N] on the backend: {@code sampleSigmas} for
   * PER_SAMPLE (the device draws them), {@code fill} otherwise. Equal to {@link #host} element for element.
   */
  public void fill(Backend backend, long seed, Tensor sigma) {
    if (mode == Mode.PER_SAMPLE && type != Noise.Type.NONE) {
      backend.sampleSigmas(seed, site, step, base, theta, sigma);
    } else {
      backend.fill(sigma, type == Noise.Type.NONE ? 0f : scalar(seed));
    }
  }

  /**
   * The {@link Noise} of one noise application in this step.
   *
   * @param seed run seed (the same one the levels were drawn with)
   * @param site the application's site id
   * @param step global training step
   * @param sigma per-sample levels [N] filled by {@link #fill}; required only when {@link #perSample()}
   */
  public Noise noise(long seed, int site, int step, Tensor sigma) {
    if (!enabled()) return Noise.NONE;
    if (perSample()) {
      if (sigma == null) throw new IllegalArgumentException("StepLevels.noise: per-sample levels need a sigma tensor [N]");
      return new Noise(type, 0f, sigma, seed, site, step);
    }
    return new Noise(type, scalar(seed), null, seed, site, step);
  }
}
