package dev.vant.nn;

import dev.vant.backend.Backend;
import dev.vant.backend.Noise;
import dev.vant.tensor.Tensor;
import java.util.Arrays;

/**
 * One noise application inside a layer: its site, the operator it belongs to, and the {@link Noise}
 * of the last forward pass (multiplicative noise needs it again in the backward pass).
 */
public final class NoiseSlot {
  private final NoiseOp op;
  private NoiseSite site;
  private Noise last = Noise.NONE;
  private Tensor scratch;

  /** An application of {@code op}, or of a fresh operator of its own when {@code op} is null. */
  public NoiseSlot(NoiseOp op) {
    this.op = op != null ? op : new NoiseOp(null);
  }

  /** Registers the application; {@code layerPath} names the operator if it has no name of its own. */
  public void register(Binder binder, String layerPath) {
    site = binder.noise().register(op, layerPath.isEmpty() ? "root" : layerPath);
  }

  /** The registered site. */
  public NoiseSite site() {
    return site;
  }

  /**
   * The noise for this forward pass with a batch of {@code n}; remembered for {@link #backward}.
   * {@code layer} names the layer in errors.
   */
  public Noise draw(NoiseContext ctx, int n, String layer) {
    if (site == null) throw new IllegalStateException(layer + ": noise site not registered (layer not bound)");
    Noise nz = ctx.noise(site.site(), site.operator());
    if (nz.enabled() && nz.sigma() != null && nz.sigma().dim(0) != n) {
      throw new IllegalArgumentException(layer + ": per-sample sigma " + Arrays.toString(nz.sigma().shape())
          + " does not match batch size " + n);
    }
    last = nz;
    return nz;
  }

  /**
   * dL/d(pre-noise output) from dL/d(output): {@code dy} itself for no or additive noise, else a scratch
   * tensor owned by this slot holding {@code dy * (1 + s*z)}.
   */
  public Tensor backward(Backend backend, Tensor dy) {
    if (passesGradient()) return dy;
    if (scratch == null || !scratch.sameShape(dy)) {
      if (scratch != null) scratch.close();
      scratch = backend.zeros(dy.shape());
    }
    backend.noiseBackward(last, dy, scratch);
    return scratch;
  }

  /** Whether the last forward's noise passes gradients unchanged (none or additive): {@link #backward} is dy. */
  public boolean passesGradient() {
    return last.type() == Noise.Type.NONE || last.type() == Noise.Type.ADDITIVE;
  }

  /** Frees the scratch gradient. */
  public void close() {
    if (scratch != null) scratch.close();
    scratch = null;
  }
}
