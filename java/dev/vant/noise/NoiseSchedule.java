package dev.vant.noise;

import dev.vant.backend.Noise;
import java.util.Locale;

/**
 * Which training noise level(s) each step uses (DESIGN.md §1): none, Noisy Training (NT) with an
 * optional linear ramp, or VANT with one level per sample or one level per epoch.
 *
 * <p><b>Ramp (per epoch).</b> As in the paper the ramp moves once per epoch, not per step: with
 * {@code R = rampEpochs > 0}, epoch {@code e} (0-based) of the ramp trains at
 * {@code sigmaTrain * (e + 1) / R}, so epoch 0 already sees a little noise and epoch {@code R - 1} reaches
 * {@code sigmaTrain}; epochs {@code e >= R} are past the ramp. {@code R = 0} means no ramp.
 *
 * <p><b>VANT during the ramp.</b> The paper draws per-sample levels "once the ramp has reached
 * sigma_train", so during epochs {@code 0 .. R-1} both VANT kinds behave exactly like ramped NT (one
 * scalar level {@code sigmaTrain * (e + 1) / R}); from epoch {@code R} on:
 * <ul>
 *   <li>{@link Kind#VANT_SAMPLE}: sample i of global step s gets
 *       {@code fma(theta, |eps(seed, SITE_VANT_SAMPLE, s, i)|, alpha * sigmaTrain)} ({@link SigmaDraw});</li>
 *   <li>{@link Kind#VANT_EPOCH}: every sample of epoch e gets
 *       {@code fma(theta, |eps(seed, SITE_VANT_EPOCH, e, 0)|, alpha * sigmaTrain)}.</li>
 * </ul>
 * The level draw uses the same seed as the model noise but reserved sites, so a run is reproducible
 * from its seed on either backend.
 *
 * <p>Usage in a trainer:
 * <pre>{@code
 *   StepLevels lv = schedule.levels(epoch, step);
 *   if (lv.perSample()) lv.fill(backend, seed, sigmaN);   // backend.sampleSigmas on device, [N]
 *   Noise n = lv.noise(seed, site, step, sigmaN);          // for each noise application
 *   float[] host = lv.host(seed, batchSize);               // statistics for metrics.jsonl
 * }</pre>
 *
 * @param kind the schedule
 * @param type noise formula used while training ({@link Noise.Type#NONE} only with {@link Kind#NONE})
 * @param sigmaTrain target level (>= 0)
 * @param alpha VANT base factor (paper: 0.45); ignored by NONE and NT
 * @param theta VANT spread (paper: about 0.4–0.5 x sigmaTrain); ignored by NONE and NT
 * @param rampEpochs R: epochs of the linear ramp, 0 for none
 */
public record NoiseSchedule(Kind kind, Noise.Type type, float sigmaTrain, float alpha, float theta, int rampEpochs) {

  /** The schedule kinds. */
  public enum Kind {
    NONE, NT, VANT_SAMPLE, VANT_EPOCH;

    /** "none", "nt", "vant", "vant-epoch" (the CLI names). */
    public String cliName() {
      return switch (this) {
        case NONE -> "none";
        case NT -> "nt";
        case VANT_SAMPLE -> "vant";
        case VANT_EPOCH -> "vant-epoch";
      };
    }

    /** Parses a CLI name ("none", "nt", "vant", "vant-epoch"; case-insensitive). */
    public static Kind parse(String s) {
      for (Kind k : values()) if (k.cliName().equalsIgnoreCase(s.trim())) return k;
      throw new IllegalArgumentException("unknown noise schedule '" + s + "' (expected none, nt, vant or vant-epoch)");
    }
  }

  /** Validates the parameters; messages name the offending parameter. */
  public NoiseSchedule {
    if (kind == null || type == null) throw new IllegalArgumentException("noise schedule: kind and type must be given");
    if (!(sigmaTrain >= 0) || !Float.isFinite(sigmaTrain)) {
      throw new IllegalArgumentException("noise schedule: sigma-train must be finite and >= 0, got " + sigmaTrain);
    }
    if (rampEpochs < 0) throw new IllegalArgumentException("noise schedule: ramp-epochs must be >= 0, got " + rampEpochs);
    if (kind == Kind.VANT_SAMPLE || kind == Kind.VANT_EPOCH) {
      if (!(alpha >= 0) || !Float.isFinite(alpha)) throw new IllegalArgumentException("noise schedule: alpha must be finite and >= 0, got " + alpha);
      if (!(theta >= 0) || !Float.isFinite(theta)) throw new IllegalArgumentException("noise schedule: theta must be finite and >= 0, got " + theta);
    }
    if (kind == Kind.NONE) type = Noise.Type.NONE;
    else if (type == Noise.Type.NONE) {
      throw new IllegalArgumentException("noise schedule " + kind.cliName() + ": noise type must be additive, multiplicative or combined");
    }
  }

  /** No training noise. */
  public static NoiseSchedule none() {
    return new NoiseSchedule(Kind.NONE, Noise.Type.NONE, 0f, 0f, 0f, 0);
  }

  /** Noisy Training: {@code sigmaTrain} for everything, ramped over {@code rampEpochs} epochs (0: none). */
  public static NoiseSchedule nt(Noise.Type type, float sigmaTrain, int rampEpochs) {
    return new NoiseSchedule(Kind.NT, type, sigmaTrain, 0f, 0f, rampEpochs);
  }

  /** VANT with one level per sample ({@code perEpoch = false}) or one per epoch. */
  public static NoiseSchedule vant(Noise.Type type, float sigmaTrain, float alpha, float theta, int rampEpochs,
      boolean perEpoch) {
    return new NoiseSchedule(perEpoch ? Kind.VANT_EPOCH : Kind.VANT_SAMPLE, type, sigmaTrain, alpha, theta, rampEpochs);
  }

  /** Parses a noise type name: additive, multiplicative, combined (case-insensitive). */
  public static Noise.Type parseType(String s) {
    return switch (s.trim().toLowerCase(Locale.ROOT)) {
      case "additive" -> Noise.Type.ADDITIVE;
      case "multiplicative" -> Noise.Type.MULTIPLICATIVE;
      case "combined" -> Noise.Type.COMBINED;
      default -> throw new IllegalArgumentException(
          "unknown noise type '" + s + "' (expected additive, multiplicative or combined)");
    };
  }

  /** Fraction of sigmaTrain reached in {@code epoch}: {@code min(1, (epoch + 1) / R)}, 1 without a ramp. */
  public float rampFactor(int epoch) {
    if (epoch < 0) throw new IllegalArgumentException("noise schedule: epoch must be >= 0, got " + epoch);
    if (rampEpochs == 0 || epoch >= rampEpochs) return 1f;
    return (float) (epoch + 1) / rampEpochs;
  }

  /** True during epochs {@code 0 .. R-1}, when VANT behaves as ramped NT. */
  public boolean inRamp(int epoch) {
    return epoch < rampEpochs;
  }

  /** {@code alpha * sigmaTrain}, the VANT base level. */
  public float vantBase() {
    return alpha * sigmaTrain;
  }

  /**
   * The levels of one training step.
   *
   * @param epoch 0-based epoch
   * @param step global training step (0-based, counted over all epochs); the VANT per-sample draw's step
   */
  public StepLevels levels(int epoch, int step) {
    float ramp = rampFactor(epoch);
    switch (kind) {
      case NONE:
        return StepLevels.constant(Noise.Type.NONE, 0f);
      case NT:
        return StepLevels.constant(type, sigmaTrain * ramp);
      case VANT_SAMPLE:
        if (inRamp(epoch)) return StepLevels.constant(type, sigmaTrain * ramp);
        return StepLevels.perSample(type, vantBase(), theta, SigmaDraw.SITE_VANT_SAMPLE, step);
      case VANT_EPOCH:
        if (inRamp(epoch)) return StepLevels.constant(type, sigmaTrain * ramp);
        return StepLevels.shared(type, vantBase(), theta, SigmaDraw.SITE_VANT_EPOCH, epoch);
      default:
        throw new AssertionError(kind);
    }
  }

  /** Short human description, e.g. "vant(additive, sigma 2.1, alpha 0.45, theta 0.85, ramp 100)". */
  public String describe() {
    String t = type.name().toLowerCase(Locale.ROOT);
    return switch (kind) {
      case NONE -> "none";
      case NT -> String.format(Locale.ROOT, "nt(%s, sigma %s, ramp %d)", t, sigmaTrain, rampEpochs);
      case VANT_SAMPLE, VANT_EPOCH -> String.format(Locale.ROOT, "%s(%s, sigma %s, alpha %s, theta %s, ramp %d)",
          kind.cliName(), t, sigmaTrain, alpha, theta, rampEpochs);
    };
  }
}
