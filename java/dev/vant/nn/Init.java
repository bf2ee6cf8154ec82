package dev.vant.nn;

import dev.vant.backend.Backend;
import dev.vant.random.Philox;
import dev.vant.tensor.Tensor;

/**
 * PyTorch's default initialization, drawn on the host from a seeded Philox stream so that a model
 * starts from the same weights on every backend.
 *
 * <p>Conv2d and Linear weights: {@code kaiming_uniform_(a = sqrt(5))}, i.e.
 * {@code U(-1/sqrt(fanIn), 1/sqrt(fanIn))}; their biases: the same bound. BatchNorm: gamma 1, beta 0.
 * fanIn = C*R*S for a conv, IN for a linear.
 *
 * <p>Stream: the i-th tensor drawn (bind order) uses Philox key (seed), counter (group, i, {@code
 * 0x7FFF0000}); element e is {@code ((word >>> 8) * 2^-24) * 2 - 1} times the bound, elements in vant's
 * canonical layout. The step word 0x7FFF0000 keeps init draws apart from the noise streams.
 */
public final class Init {
  /** What to draw. */
  public enum Kind {
    /** U(-1/sqrt(fanIn), 1/sqrt(fanIn)): PyTorch's conv/linear weight and bias default. */
    KAIMING_UNIFORM,
    /** All ones (BatchNorm gamma). */
    ONES,
    /** All zeros (BatchNorm beta). */
    ZEROS
  }

  static final int INIT_STEP = 0x7FFF0000;
  private final long seed;
  private int next;

  /** An initializer drawing from {@code seed}. */
  public Init(long seed) {
    this.seed = seed;
  }

  /** A new tensor of {@code shape} on {@code backend}, drawn as {@code kind}. */
  public Tensor make(Backend backend, Kind kind, int fanIn, int... shape) {
    int index = next++;
    long size = 1;
    for (int d : shape) size *= d;
    float[] data = new float[Math.toIntExact(size)];
    switch (kind) {
      case ONES -> java.util.Arrays.fill(data, 1f);
      case ZEROS -> { }
      case KAIMING_UNIFORM -> uniform(data, seed, index, (float) (1.0 / Math.sqrt(fanIn)));
    }
    return backend.fromHost(data, shape);
  }

  static void uniform(float[] data, long seed, int index, float bound) {
    int[] w = new int[4];
    for (int g = 0; 4 * g < data.length; g++) {
      Philox.words(seed, index, INIT_STEP, g, w, 0);
      for (int l = 0; l < 4 && 4 * g + l < data.length; l++) {
        double u = (w[l] >>> 8) * 0x1p-24;
        data[4 * g + l] = (float) ((2 * u - 1) * bound);
      }
    }
  }
}
