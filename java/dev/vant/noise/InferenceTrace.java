package dev.vant.noise;

import dev.vant.random.NoiseStream;
import dev.vant.random.Philox;
import java.util.Arrays;
import java.util.Locale;

/**
 * Fluctuating inference noise (DESIGN.md §1, last point): the level {@code sigma_inf} as a function of
 * deployment time {@code t} (the index of the evaluated batch, 0, 1, 2, ...) and, for per-sample traces,
 * of the sample. Reproducible from the seed: every random draw is Philox on
 * {@link SigmaDraw#SITE_TRACE} with step {@code t} and element = sample (element 0 for per-batch draws).
 * All levels are clamped at 0.
 *
 * <p>Specs ({@link #parse}):
 * <ul>
 *   <li>{@code S} or {@code const:S} — constant level S;</li>
 *   <li>{@code normal:MEAN,STD[,batch|sample]} — {@code max(0, MEAN + STD * z)}, drawn per batch (default)
 *       or per sample;</li>
 *   <li>{@code uniform:LO,HI[,batch|sample]} — uniform in [LO, HI);</li>
 *   <li>{@code drift:SIGMA0,D} — {@code sigma(t) = SIGMA0 * (1 + D * ln(1 + t))} (aging/drift of analog
 *       weights over deployment time);</li>
 *   <li>{@code walk:SIGMA0,STEP} — a temperature-like random walk, {@code sigma(0) = SIGMA0},
 *       {@code sigma(t) = |sigma(t-1) + STEP * z_t|} (reflected at 0).</li>
 * </ul>
 *
 * <p>An evaluator calls, per batch t of n samples: {@code float[] s = trace.levels(t, n)}; if
 * {@link #perSample()} it uploads s as the [N] sigma tensor, else it uses {@code s[0]} as the scalar level.
 * Instances are not thread-safe (the walk caches its path).
 */
public final class InferenceTrace {
  /** The trace shapes. */
  public enum Kind { CONST, NORMAL, UNIFORM, DRIFT, WALK }

  private final String spec;
  private final Kind kind;
  private final double a, b;
  private final boolean perSample;
  private final long seed;
  private float[] walk = new float[0]; // walk[t] for t < walkLen
  private int walkLen;

  private InferenceTrace(String spec, Kind kind, double a, double b, boolean perSample, long seed) {
    this.spec = spec;
    this.kind = kind;
    this.a = a;
    this.b = b;
    this.perSample = perSample;
    this.seed = seed;
  }

  /** A constant level (what the robustness grid evaluates). */
  public static InferenceTrace constant(double sigma) {
    return parse(String.format(Locale.ROOT, "const:%s", sigma), 0L);
  }

  /**
   * Parses a trace spec (see the class comment).
   *
   * @param seed seed of the trace's random draws (use the evaluation seed)
   * @throws IllegalArgumentException naming the spec and what was expected
   */
  public static InferenceTrace parse(String spec, long seed) {
    if (spec == null || spec.isBlank()) throw bad(spec, "a non-empty trace");
    String s = spec.trim();
    int colon = s.indexOf(':');
    String name = colon < 0 ? "const" : s.substring(0, colon).trim().toLowerCase(Locale.ROOT);
    String[] args = (colon < 0 ? s : s.substring(colon + 1)).split(",", -1);
    Kind kind;
    try {
      kind = Kind.valueOf(name.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw bad(spec, "one of const:S, normal:MEAN,STD, uniform:LO,HI, drift:SIGMA0,D, walk:SIGMA0,STEP");
    }
    int need = kind == Kind.CONST ? 1 : 2;
    boolean mayPerSample = kind == Kind.NORMAL || kind == Kind.UNIFORM;
    if (args.length != need && !(mayPerSample && args.length == need + 1)) {
      throw bad(spec, need + " number(s) after '" + name + ":'" + (mayPerSample ? " and optionally ',batch' or ',sample'" : ""));
    }
    double[] v = new double[2];
    for (int i = 0; i < need; i++) {
      try {
        v[i] = Double.parseDouble(args[i].trim());
      } catch (NumberFormatException e) {
        throw bad(spec, "a number, got '" + args[i].trim() + "'");
      }
      if (!Double.isFinite(v[i])) throw bad(spec, "finite numbers");
    }
    boolean perSample = false;
    if (args.length == need + 1) {
      String g = args[need].trim().toLowerCase(Locale.ROOT);
      if (g.equals("sample")) perSample = true;
      else if (!g.equals("batch")) throw bad(spec, "'batch' or 'sample' as the last field, got '" + g + "'");
    }
    switch (kind) {
      case CONST -> { if (v[0] < 0) throw bad(spec, "a level >= 0"); }
      case NORMAL -> { if (v[1] < 0) throw bad(spec, "STD >= 0"); }
      case UNIFORM -> { if (v[0] < 0 || v[1] < v[0]) throw bad(spec, "0 <= LO <= HI"); }
      case DRIFT, WALK -> { if (v[0] < 0) throw bad(spec, "SIGMA0 >= 0"); if (kind == Kind.WALK && v[1] < 0) throw bad(spec, "STEP >= 0"); }
    }
    return new InferenceTrace(s, kind, v[0], v[1], perSample, seed);
  }

  private static IllegalArgumentException bad(String spec, String expected) {
    return new IllegalArgumentException("bad noise trace '" + spec + "': expected " + expected);
  }

  /** The spec this trace was parsed from. */
  public String spec() {
    return spec;
  }

  public Kind kind() {
    return kind;
  }

  /** True when samples of one batch get different levels. */
  public boolean perSample() {
    return perSample;
  }

  /** The levels of batch {@code t} with {@code n} samples. */
  public float[] levels(long t, int n) {
    float[] s = new float[n];
    levels(t, s, n);
    return s;
  }

  /** Writes the levels of batch {@code t} to {@code dst[0 .. n-1]}. */
  public void levels(long t, float[] dst, int n) {
    if (t < 0 || t > Integer.MAX_VALUE) throw new IllegalArgumentException("trace '" + spec + "': time " + t + " out of range");
    if (n > dst.length) throw new IllegalArgumentException("trace '" + spec + "': n=" + n + " > dst.length=" + dst.length);
    int step = (int) t;
    if (!perSample) {
      Arrays.fill(dst, 0, n, level(step, 0));
      return;
    }
    for (int i = 0; i < n; i++) dst[i] = level(step, i);
  }

  private float level(int t, int i) {
    double s = switch (kind) {
      case CONST -> a;
      case NORMAL -> a + b * NoiseStream.element(seed, SigmaDraw.SITE_TRACE, t, i);
      case UNIFORM -> a + (b - a) * ((Philox.word(seed, SigmaDraw.SITE_TRACE, t, i) >>> 8) * 0x1p-24);
      case DRIFT -> a * (1 + b * Math.log1p(t));
      case WALK -> walkAt(t);
    };
    return (float) Math.max(0, s);
  }

  private float walkAt(int t) {
    if (t >= walk.length) walk = Arrays.copyOf(walk, Math.max(t + 1, walk.length * 2));
    while (walkLen <= t) {
      double prev = walkLen == 0 ? a : walk[walkLen - 1] + b * NoiseStream.element(seed, SigmaDraw.SITE_TRACE, walkLen, 0);
      walk[walkLen] = (float) (walkLen == 0 ? a : Math.abs(prev));
      walkLen++;
    }
    return walk[t];
  }

  @Override
  public String toString() {
    return spec;
  }
}
