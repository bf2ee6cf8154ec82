package dev.vant.backend;

import dev.vant.tensor.Tensor;

/**
 * The noise of one noise application (DESIGN.md §1, §2): which formula, how strong, and where in the
 * stream. Element e of the output (canonical order) of sample n = e / perSample receives, with
 * {@code s = sigma[n]} (per-sample) or {@code s = sigmaScalar}, and {@code z = eps(seed, site, step, e)}:
 * <ul>
 *   <li>ADDITIVE: {@code y = fma(s, z, x)}, i.e. {@code x + s*z} with one rounding;</li>
 *   <li>MULTIPLICATIVE: {@code y = x * fma(s, z, 1)}, i.e. {@code x * (1 + s*z)};</li>
 *   <li>COMBINED: multiplicative with z, then additive with {@code z' = eps(seed, site | 0x80000000, step, e)}
 *       — a second, independent stream on the site with the top bit set.</li>
 * </ul>
 * The backward pass treats the noise as a constant: {@code dL/dx = dL/dy} for ADDITIVE; for
 * MULTIPLICATIVE and COMBINED, {@code dL/dx = dL/dy * (1 + s*z)} with the same z redrawn from the stream.
 *
 * @param type the formula, or {@link Type#NONE} for no noise (then all other fields are ignored)
 * @param sigmaScalar level used when {@code sigma} is null
 * @param sigma per-sample levels [N] on the same backend, or null
 * @param seed run seed
 * @param site noise-application id (unique per application within a forward pass)
 * @param step training step (evaluation uses its own, disjoint step numbers)
 */
public record Noise(Type type, float sigmaScalar, Tensor sigma, long seed, int site, int step) {
  /** Site bit that selects the second stream of COMBINED noise. */
  public static final int SECOND_STREAM = 0x80000000;

  public static final Noise NONE = new Noise(Type.NONE, 0f, null, 0L, 0, 0);

  /** The noise formula. */
  public enum Type { NONE, ADDITIVE, MULTIPLICATIVE, COMBINED }

  public boolean enabled() {
    return type != Type.NONE;
  }

  /** The level of sample {@code n} given the per-sample levels copied to the host (or null). */
  public float level(float[] hostSigma, int n) {
    return hostSigma == null ? sigmaScalar : hostSigma[n];
  }
}
