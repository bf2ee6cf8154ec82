package dev.vant.backend;

import dev.vant.tensor.Tensor;
import java.util.Arrays;

/**
 * Shape checks shared by the backends: one choke point, so every bad shape throws an
 * {@link IllegalArgumentException} that names the operation, the tensor and both shapes.
 */
public final class Shapes {
  private Shapes() {}

  /** Throws unless {@code t} has exactly {@code expected} as its shape. */
  public static void require(String op, String name, Tensor t, int... expected) {
    if (t == null) throw new IllegalArgumentException(op + ": " + name + " is null, expected shape " + Arrays.toString(expected));
    if (!Arrays.equals(t.shape(), expected)) {
      throw new IllegalArgumentException(op + ": " + name + " has shape " + Arrays.toString(t.shape())
          + ", expected " + Arrays.toString(expected));
    }
  }

  /**
   * The rows M = N*H*W over which a BatchNorm's training statistics run on x [.., C]; throws unless M >= 2 (a batch
   * variance needs two values).
   */
  public static int statisticsRows(String op, Tensor x) {
    int[] s = x.shape();
    long m = x.size() / s[s.length - 1];
    if (m < 2) throw new IllegalArgumentException(op + ": x " + Arrays.toString(s) + " has " + m + " value per channel; training needs more than 1");
    return Math.toIntExact(m);
  }

  /**
   * The checks of {@code batchNormTrainStatistics} (both CPU backends): x is NHWC and the four per-channel tensors have
   * its channel count.
   */
  public static void requireStatistics(String op, Tensor x, Tensor runningMean, Tensor runningVar, Tensor saveMean,
      Tensor saveInvStd) {
    requireEach(op, nhwc(op, "x", x)[3], new String[] {"runningMean", "runningVar", "saveMean", "saveInvStd"},
        runningMean, runningVar, saveMean, saveInvStd);
  }

  /** {@link #require} of shape [size] for each of {@code tensors}, named by {@code names} in order. */
  public static void requireEach(String op, int size, String[] names, Tensor... tensors) {
    for (int i = 0; i < tensors.length; i++) require(op, names[i], tensors[i], size);
  }

  /** Throws unless {@code t} has {@code expected} elements (any shape). */
  public static void requireSize(String op, String name, Tensor t, long expected) {
    if (t == null) throw new IllegalArgumentException(op + ": " + name + " is null, expected " + expected + " elements");
    if (t.size() != expected) {
      throw new IllegalArgumentException(op + ": " + name + " has shape " + Arrays.toString(t.shape()) + " ("
          + t.size() + " elements), expected " + expected + " elements");
    }
  }

  /** Throws if {@code a} and {@code b} share storage (an output that must not overwrite an input or another output). */
  public static void distinct(String op, String nameA, Tensor a, String nameB, Tensor b) {
    if (a != null && b != null && (a == b || a.storage() == b.storage())) {
      throw new IllegalArgumentException(op + ": " + nameA + " and " + nameB + " share storage; they must be separate tensors");
    }
  }

  /** Throws unless both tensors have the same shape. */
  public static void same(String op, String nameA, Tensor a, String nameB, Tensor b) {
    if (a == null || b == null) throw new IllegalArgumentException(op + ": " + (a == null ? nameA : nameB) + " is null");
    if (!a.sameShape(b)) {
      throw new IllegalArgumentException(op + ": " + nameA + " has shape " + Arrays.toString(a.shape()) + " but "
          + nameB + " has shape " + Arrays.toString(b.shape()));
    }
  }

  /**
   * The [N, H, W, C] view of an activation: rank 4 as is, rank 2 [N, C] as [N, 1, 1, C].
   * Throws for any other rank.
   */
  public static int[] nhwc(String op, String name, Tensor t) {
    if (t == null) throw new IllegalArgumentException(op + ": " + name + " is null");
    if (t.rank() == 4) return t.shape();
    if (t.rank() == 2) return new int[] {t.dim(0), 1, 1, t.dim(1)};
    throw new IllegalArgumentException(op + ": " + name + " has shape " + Arrays.toString(t.shape())
        + ", expected [N, H, W, C] or [N, C]");
  }

  /** The [N, C] view of a matrix: rank 2 as is, rank 4 [N, 1, 1, C] as [N, C]. */
  public static int[] matrix(String op, String name, Tensor t) {
    if (t == null) throw new IllegalArgumentException(op + ": " + name + " is null");
    if (t.rank() == 2) return t.shape();
    if (t.rank() == 4 && t.dim(1) == 1 && t.dim(2) == 1) return new int[] {t.dim(0), t.dim(3)};
    throw new IllegalArgumentException(op + ": " + name + " has shape " + Arrays.toString(t.shape())
        + ", expected [N, C] or [N, 1, 1, C]");
  }

  /**
   * Checks the noise spec against an output of {@code samples} samples: per-sample sigma must have
   * {@code samples} elements.
   */
  public static void noise(String op, Noise noise, int samples) {
    if (noise == null) throw new IllegalArgumentException(op + ": noise is null (use Noise.NONE)");
    if (noise.enabled() && noise.sigma() != null && noise.sigma().size() != samples) {
      throw new IllegalArgumentException(op + ": per-sample sigma has shape " + Arrays.toString(noise.sigma().shape())
          + " but the output has " + samples + " samples");
    }
  }

  /** Parameter lists of an optimizer: same lengths, and each state tensor shaped like its parameter. */
  public static void paramLists(String op, java.util.List<Tensor> params, Object[][] named) {
    for (Object[] e : named) {
      @SuppressWarnings("unchecked")
      java.util.List<Tensor> l = (java.util.List<Tensor>) e[1];
      if (l.size() != params.size()) {
        throw new IllegalArgumentException(op + ": " + params.size() + " params but " + l.size() + " " + e[0]);
      }
      for (int i = 0; i < params.size(); i++) same(op, "param " + i, params.get(i), e[0] + " " + i, l.get(i));
    }
  }
}
