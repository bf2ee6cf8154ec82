package dev.vant.bench;

import dev.vant.cuda.CudaDevice;
import dev.vant.cuda.CudaEvent;
import java.util.Arrays;
import java.util.function.IntConsumer;

/**
 * Times device work with CUDA events (DESIGN.md §6): warm-up launches first (module load, pool
 * allocation and first-touch stay out of the numbers), then {@code samples} timed samples; each sample is
 * {@code k} back-to-back launches between two events, with {@code k} chosen so that one sample lasts at
 * least {@link #MIN_SAMPLE_MS} (launch gaps of microsecond kernels then average out). The launch gets a
 * running index, so the caller can rotate through input sets that together exceed the L2 cache.
 */
public final class EventTimer {
  /** Shortest sample, in ms, that the calibration aims for. */
  public static final double MIN_SAMPLE_MS = 0.5;
  /** Most launches per sample. */
  public static final int MAX_PER_SAMPLE = 200;

  private final CudaDevice dev;
  private final int warmup;
  private final int samples;

  /**
   * @param warmup untimed launches before timing (>= 1)
   * @param samples timed samples (>= 1); the median is reported
   */
  public EventTimer(CudaDevice dev, int warmup, int samples) {
    if (warmup < 1) throw new IllegalArgumentException("warm-up launches must be >= 1, got " + warmup);
    if (samples < 1) throw new IllegalArgumentException("timed samples must be >= 1, got " + samples);
    this.dev = dev;
    this.warmup = warmup;
    this.samples = samples;
  }

  /** The timing of one op: per-launch seconds of each sample, sorted. */
  public record Timing(double[] sorted, int launchesPerSample) {
    /** Median seconds per launch. */
    public double median() {
      return percentile(sorted, 0.5);
    }

    public double min() {
      return sorted[0];
    }

    public double max() {
      return sorted[sorted.length - 1];
    }
  }

  /** Times {@code launch}: warm-up, calibration of launches per sample, then the samples. */
  public Timing time(String what, IntConsumer launch) {
    int[] next = {0};
    try (CudaEvent s = new CudaEvent(dev); CudaEvent e = new CudaEvent(dev)) {
      int k = calibrate(what, launch, next, s, e);
      double[] t = new double[samples];
      for (int i = 0; i < samples; i++) t[i] = sample(launch, k, next, s, e);
      Arrays.sort(t);
      return new Timing(t, k);
    }
  }

  /**
   * Ratios measured in rounds (op b / op a of {@link #pair}, one per round, whichever ran first in it), sorted: the
   * median says how much slower b is, the quartiles how far that moved between rounds. Drift of the clocks or the machine during a
   * run shifts both ops of a round alike, so a ratio measured this way is steadier than the ratio of two medians
   * taken one after the other.
   */
  public record Ratios(double[] sorted) {
    public Ratios {
      if (sorted.length == 0) throw new IllegalArgumentException("no ratios");
      sorted = sorted.clone();
      Arrays.sort(sorted);
    }

    public double median() {
      return percentile(sorted, 0.5);
    }

    /** The lower quartile. */
    public double low() {
      return percentile(sorted, 0.25);
    }

    /** The upper quartile. */
    public double high() {
      return percentile(sorted, 0.75);
    }
  }

  /** Two ops timed in alternating rounds: each one's timing and the per-round ratios b / a. */
  public record Paired(Timing a, Timing b, Ratios ratios) {}

  /**
   * Times {@code a} and {@code b} side by side: both warmed up and calibrated, then {@code samples} rounds of one
   * sample of each, the order swapped every round (a b, b a, ...) so that neither always runs first. Each round
   * gives one ratio b / a of per-launch times; the launch index runs on across both ops (input sets rotate alike).
   */
  public Paired pair(String whatA, IntConsumer a, String whatB, IntConsumer b) {
    int[] next = {0};
    try (CudaEvent s = new CudaEvent(dev); CudaEvent e = new CudaEvent(dev)) {
      int ka = calibrate(whatA, a, next, s, e), kb = calibrate(whatB, b, next, s, e);
      double[] ta = new double[samples], tb = new double[samples], r = new double[samples];
      for (int i = 0; i < samples; i++) {
        boolean aFirst = i % 2 == 0;
        double first = sample(aFirst ? a : b, aFirst ? ka : kb, next, s, e);
        double second = sample(aFirst ? b : a, aFirst ? kb : ka, next, s, e);
        ta[i] = aFirst ? first : second;
        tb[i] = aFirst ? second : first;
        r[i] = tb[i] / ta[i];
      }
      Arrays.sort(ta);
      Arrays.sort(tb);
      return new Paired(new Timing(ta, ka), new Timing(tb, kb), new Ratios(r));
    }
  }

  /** Warm-up, then the launches per sample that make a sample last {@link #MIN_SAMPLE_MS}. */
  private int calibrate(String what, IntConsumer launch, int[] next, CudaEvent s, CudaEvent e) {
    for (int w = 0; w < warmup; w++) launch.accept(next[0]++);
    dev.synchronize("warm-up of " + what);
    s.record();
    launch.accept(next[0]++);
    e.record();
    e.synchronize();
    double one = Math.max(e.elapsedMs(s), 1e-4);
    return (int) Math.max(1, Math.min(MAX_PER_SAMPLE, Math.ceil(MIN_SAMPLE_MS / one)));
  }

  /** Seconds per launch of one sample of {@code k} back-to-back launches. */
  private static double sample(IntConsumer launch, int k, int[] next, CudaEvent s, CudaEvent e) {
    s.record();
    for (int j = 0; j < k; j++) launch.accept(next[0]++);
    e.record();
    e.synchronize();
    return e.elapsedMs(s) / 1e3 / k;
  }

  /** The {@code q}-quantile (0..1) of sorted values, linear between neighbours. */
  public static double percentile(double[] sorted, double q) {
    if (sorted.length == 0) throw new IllegalArgumentException("no values");
    if (!(q >= 0 && q <= 1)) throw new IllegalArgumentException("quantile must be in [0, 1], got " + q);
    double pos = q * (sorted.length - 1);
    int lo = (int) Math.floor(pos);
    int hi = Math.min(lo + 1, sorted.length - 1);
    return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
  }

  /**
   * How many input sets of {@code setBytes} each to rotate through so that together they are at least
   * three times {@code l2Bytes} (a set is then evicted before it comes round again), at least 2, and at
   * most {@code maxSets} and {@code budgetBytes} in total (but always at least 2 when 2 fit the budget,
   * else 1).
   */
  public static int rotatingSets(long setBytes, long l2Bytes, int maxSets, long budgetBytes) {
    if (setBytes <= 0) throw new IllegalArgumentException("input set size must be > 0 bytes, got " + setBytes);
    if (maxSets < 1) throw new IllegalArgumentException("maxSets must be >= 1, got " + maxSets);
    long want = Math.max(2, (3 * Math.max(0, l2Bytes) + setBytes - 1) / setBytes);
    long fit = Math.max(1, budgetBytes / setBytes);
    return (int) Math.max(1, Math.min(Math.min(want, maxSets), fit));
  }
}
