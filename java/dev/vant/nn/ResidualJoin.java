package dev.vant.nn;

import dev.vant.backend.Backend;
import dev.vant.backend.JoinInput;
import dev.vant.tensor.Tensor;
import java.util.Arrays;

/**
 * The residual join of a block: {@code y = noise(relu(a + b))} with a = main branch, b = shortcut, each
 * possibly the output of a BatchNorm that the join computes on the fly ({@link BatchNorm2d#forwardToJoin}). Not a
 * {@link Layer} (two inputs); owned by a block, which binds it through {@link #register}.
 * Backward: {@code da = db = dy} where {@code a + b > 0}, else 0.
 */
public final class ResidualJoin implements AutoCloseable {
  private final NoiseSlot slot;
  private Backend backend;
  private String path = "<unbound>";
  private JoinInput a, b;
  private Tensor y, ds;

  /** A join whose noise is an application of {@code op} (null: an operator of its own). */
  public ResidualJoin(NoiseOp op) {
    this.slot = new NoiseSlot(op);
  }

  /** Registers the noise application; {@code path} names the owner in errors. */
  public void register(Binder binder, String path) {
    this.backend = binder.backend();
    this.path = path;
    slot.register(binder, path);
  }

  /** y = noise(relu(a + b)), a and b of the same shape; y is owned by the join. */
  public Tensor forward(Tensor a, Tensor b, NoiseContext ctx) {
    return forward(JoinInput.plain(a), JoinInput.plain(b), ctx);
  }

  /**
   * y = noise(relu(a + b)) where an input may be a BatchNorm's output that is computed here, on the fly
   * ({@link BatchNorm2d#forwardToJoin}); y is owned by the join.
   */
  public Tensor forward(JoinInput a, JoinInput b, NoiseContext ctx) {
    if (!a.x().sameShape(b.x())) {
      throw new IllegalArgumentException(path + " (residual join): main branch " + Arrays.toString(a.x().shape())
          + " and shortcut " + Arrays.toString(b.x().shape()) + " differ");
    }
    if (y == null || !y.sameShape(a.x())) {
      if (y != null) y.close();
      y = backend.zeros(a.x().shape());
    }
    backend.addReluForward(a, b, slot.draw(ctx, a.x().dim(0), path), y);
    this.a = a;
    this.b = b;
    return y;
  }

  /** The gradient of both inputs (owned by the join); for a normalized input, the gradient of its BatchNorm's output. */
  public Tensor backward(Tensor dy) {
    if (a == null) throw new IllegalStateException(path + " (residual join): backward without a preceding forward");
    Tensor d = slot.backward(backend, dy);
    if (ds == null || !ds.sameShape(a.x())) {
      if (ds != null) ds.close();
      ds = backend.zeros(a.x().shape());
    }
    backend.addReluBackward(d, a, b, ds);
    return ds;
  }

  @Override
  public void close() {
    slot.close();
    if (y != null) y.close();
    if (ds != null) ds.close();
    y = ds = null;
  }
}
