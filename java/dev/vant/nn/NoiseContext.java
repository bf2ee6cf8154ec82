package dev.vant.nn;

import dev.vant.backend.Noise;
import dev.vant.tensor.Tensor;
import java.util.BitSet;

/**
 * The noise of one forward pass: formula, level (one scalar, or one level per sample of the batch for
 * VANT), seed, step, and which noise operators are switched on. Immutable; make one per step with
 * {@link #withStep} (training and evaluation step numbering is the caller's business: DESIGN.md §2).
 *
 * <p>Each noise application of a model has a site id (see {@link Model#noiseSites()}); the application
 * with site {@code s} of operator {@code o} draws {@link #noise(int, int) noise(s, o)}.
 */
public final class NoiseContext {
  /** No noise anywhere. */
  public static final NoiseContext OFF = builder().type(Noise.Type.NONE).build();

  private final Noise.Type type;
  private final float sigma;
  private final Tensor perSample;
  private final long seed;
  private final int step;
  private final BitSet disabled;

  private NoiseContext(Builder b) {
    this.type = b.type;
    this.sigma = b.sigma;
    this.perSample = b.perSample;
    this.seed = b.seed;
    this.step = b.step;
    this.disabled = (BitSet) b.disabled.clone();
  }

  /** A builder: additive noise of level 0, seed 0, step 0, every operator on. */
  public static Builder builder() {
    return new Builder();
  }

  /** The same context at another step. */
  public NoiseContext withStep(int newStep) {
    return toBuilder().step(newStep).build();
  }

  /** A builder holding this context's settings. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.type = type;
    b.sigma = sigma;
    b.perSample = perSample;
    b.seed = seed;
    b.step = step;
    b.disabled = (BitSet) disabled.clone();
    return b;
  }

  /**
   * The noise of site {@code site}, which belongs to operator {@code operator}: {@link Noise#NONE} when
   * noise is off or the operator is disabled.
   */
  public Noise noise(int site, int operator) {
    if (type == Noise.Type.NONE || disabled.get(operator)) return Noise.NONE;
    return new Noise(type, sigma, perSample, seed, site, step);
  }

  /** The noise formula. */
  public Noise.Type type() {
    return type;
  }

  /** The scalar level (used when there are no per-sample levels). */
  public float sigma() {
    return sigma;
  }

  /** Per-sample levels [N] or null. */
  public Tensor perSampleSigma() {
    return perSample;
  }

  /** The noise seed. */
  public long seed() {
    return seed;
  }

  /** The step word of the noise stream. */
  public int step() {
    return step;
  }

  /** Whether operator {@code operator} injects noise. */
  public boolean operatorEnabled(int operator) {
    return !disabled.get(operator);
  }

  /** Builder of {@link NoiseContext}. */
  public static final class Builder {
    private Noise.Type type = Noise.Type.ADDITIVE;
    private float sigma;
    private Tensor perSample;
    private long seed;
    private int step;
    private BitSet disabled = new BitSet();

    /** Formula ({@link Noise.Type#NONE} switches all noise off). */
    public Builder type(Noise.Type t) {
      this.type = t;
      return this;
    }

    /** One absolute level for every sample and site. Clears any per-sample levels. */
    public Builder sigma(float s) {
      if (!(s >= 0) || Float.isInfinite(s)) throw new IllegalArgumentException("noise sigma must be finite and >= 0, got " + s);
      this.sigma = s;
      this.perSample = null;
      return this;
    }

    /**
     * One level per sample, {@code sigma [N]} on the model's backend (VANT). It must stay open until
     * the backward pass of this step has run (multiplicative noise redraws it there).
     */
    public Builder sigmaPerSample(Tensor sigma) {
      if (sigma.rank() != 1) throw new IllegalArgumentException("per-sample sigma must be [N], got " + java.util.Arrays.toString(sigma.shape()));
      this.perSample = sigma;
      return this;
    }

    /** The run's noise seed (Philox key). */
    public Builder seed(long s) {
      this.seed = s;
      return this;
    }

    /** The step word of the noise stream (training step, or an evaluation step). */
    public Builder step(int s) {
      this.step = s;
      return this;
    }

    /** Switches operator {@code operator} (an id from {@link Model#noiseOperators()}) off. */
    public Builder disable(int operator) {
      disabled.set(operator);
      return this;
    }

    /** Switches operator {@code operator} back on. */
    public Builder enable(int operator) {
      disabled.clear(operator);
      return this;
    }

    /** Switches off every operator except {@code operator} among {@code count} operators. */
    public Builder only(int operator, int count) {
      disabled.set(0, count);
      disabled.clear(operator);
      return this;
    }

    /** The immutable context. */
    public NoiseContext build() {
      return new NoiseContext(this);
    }
  }
}
