package dev.vant.backend.cpu;

import dev.vant.tensor.Tensor;
import java.util.Arrays;

/**
 * Test support: direct access to the arrays behind CPU tensors.
 *
 * <p>{@link #doubles} gives the live double[] of a {@link ReferenceBackend} tensor. Writes go straight
 * into the tensor, which is how gradient checks perturb one input element by {@code +/- h} in
 * {@link Precision#DOUBLE} mode and read outputs without rounding. {@link #floats} does the same for a
 * {@link FastBackend} tensor. Element order is the canonical layout (NHWC, KRSC, row-major).
 */
public final class CpuTensors {
  private CpuTensors() {}

  /** The live double[] behind a reference-backend tensor (length >= size). */
  public static double[] doubles(Tensor t) {
    if (t.storage() instanceof CpuStorage s) return s.data;
    throw new IllegalArgumentException("CpuTensors.doubles: tensor " + Arrays.toString(t.shape())
        + " is not a cpu-reference tensor (storage " + t.storage().getClass().getSimpleName() + ")");
  }

  /** The live float[] behind a fast-backend tensor (length >= size). */
  public static float[] floats(Tensor t) {
    if (t.storage() instanceof FloatStorage s) return s.data;
    throw new IllegalArgumentException("CpuTensors.floats: tensor " + Arrays.toString(t.shape())
        + " is not a cpu-fast tensor (storage " + t.storage().getClass().getSimpleName() + ")");
  }
}
