package dev.vant.nn;

import dev.vant.backend.Backend;
import dev.vant.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A layer: its parameters, a forward pass and the backward pass written right below it.
 *
 * <p>Life cycle. A layer is first a backend-free description (made by a builder or constructor). A
 * {@link Model} then {@linkplain #bind binds} it once: the layer learns its PyTorch-style path
 * ({@code "layer1.0.conv1"}), allocates and initializes its parameters on the backend, and registers its
 * noise applications in forward order. After that, {@link #forward} and {@link #backward} alternate.
 *
 * <p>Memory. Outputs and input gradients are owned by the layer and reused across steps (reallocated
 * only when the batch shape changes): a returned tensor stays valid until the layer's next call of the
 * same kind. The layer keeps a reference to its input for the backward pass, so the caller must not
 * overwrite it in between. Gradients are overwritten by every backward pass (nothing accumulates).
 *
 * <p>Shapes: activations NHWC {@code [N, H, W, C]}; flat activations {@code [N, F]}.
 */
public abstract class Layer implements AutoCloseable {
  /** Set by {@link #bind}: the full PyTorch-style path, e.g. {@code "layer1.0.conv1"} ("" for a root). */
  protected String path = "<unbound>";
  /** Set by {@link #bind}. */
  protected Backend backend;
  /** True in training mode (batch statistics in BatchNorm), false in evaluation mode. */
  protected boolean training = true;

  private final List<Parameter> parameters = new ArrayList<>();
  private final List<Parameter> buffers = new ArrayList<>();
  private final List<Counter> counters = new ArrayList<>();
  private final List<Tensor> owned = new ArrayList<>();
  private boolean bound;

  /** Binds this layer at {@code path}: parameters are made and noise sites registered (once). */
  public final void bind(String path, Binder binder) {
    if (bound) throw new IllegalStateException("layer " + this.path + " is already bound; a layer belongs to one model");
    bound = true;
    this.path = path;
    this.backend = binder.backend();
    onBind(binder);
  }

  /**
   * Makes the parameters ({@link #newParameter}), binds children ({@link #child}) and registers noise
   * applications ({@link NoiseSlot#register}) — in forward order, which fixes the site ids.
   */
  protected abstract void onBind(Binder binder);

  /**
   * The forward pass. {@code x} is the input (NHWC or [N, F]); the returned tensor is owned by the layer.
   *
   * @throws IllegalArgumentException naming the layer when {@code x} has the wrong shape
   */
  public abstract Tensor forward(Tensor x, NoiseContext ctx);

  /**
   * The backward pass of the last {@link #forward}: writes the parameter gradients and, when
   * {@code inputGrad}, returns dL/dx (owned by the layer; null otherwise). {@code dy} has the output's
   * shape and is not modified.
   */
  public abstract Tensor backward(Tensor dy, boolean inputGrad);

  /** The output shape for an input of shape {@code in} (N included). */
  public abstract int[] outputShape(int[] in);

  /** Trainable parameters of this layer and its children, in bind order. */
  public List<Parameter> parameters() {
    List<Parameter> all = new ArrayList<>(parameters);
    for (Layer c : children()) all.addAll(c.parameters());
    return all;
  }

  /** Non-trainable float state (BatchNorm running statistics), in bind order. */
  public List<Parameter> buffers() {
    List<Parameter> all = new ArrayList<>(buffers);
    for (Layer c : children()) all.addAll(c.buffers());
    return all;
  }

  /** Integer state (BatchNorm's {@code num_batches_tracked}), in bind order. */
  public List<Counter> counters() {
    List<Counter> all = new ArrayList<>(counters);
    for (Layer c : children()) all.addAll(c.counters());
    return all;
  }

  /** Direct children (empty for a leaf). */
  public List<Layer> children() {
    return List.of();
  }

  /** Training mode (true) or evaluation mode (false), for this layer and its children. */
  public void train(boolean on) {
    training = on;
    for (Layer c : children()) c.train(on);
  }

  /** True in training mode. */
  public boolean isTraining() {
    return training;
  }

  /** The layer's path in its model, e.g. {@code "layer1.0.conv1"}. */
  public String path() {
    return path;
  }

  /** Frees every tensor the layer and its children allocated. */
  @Override
  public void close() {
    for (Layer c : children()) c.close();
    for (Tensor t : owned) t.close();
    owned.clear();
  }

  // ---- helpers for subclasses ----------------------------------------------------------------------

  /** Binds {@code child} at {@code path + "." + name}. */
  protected final void child(Layer child, String name, Binder binder) {
    child.bind(join(path, name), binder);
  }

  static String join(String prefix, String name) {
    return prefix == null || prefix.isEmpty() ? name : prefix + "." + name;
  }

  /** A trainable parameter {@code path.name} with a gradient buffer, initialized by {@code init}. */
  protected final Parameter newParameter(Binder binder, String name, TorchLayout layout, Init.Kind init, int fanIn, int... shape) {
    Tensor value = binder.init().make(backend, init, fanIn, shape);
    Tensor grad = own(backend.zeros(shape));
    own(value);
    Parameter p = new Parameter(join(path, name), value, grad, layout);
    parameters.add(p);
    return p;
  }

  /** A buffer {@code path.name} filled with {@code value}. */
  protected final Parameter newBuffer(String name, float value, int... shape) {
    Tensor t = own(backend.zeros(shape));
    if (value != 0f) backend.fill(t, value);
    Parameter p = new Parameter(join(path, name), t, null, TorchLayout.IDENTITY);
    buffers.add(p);
    return p;
  }

  /** An integer state {@code path.name}, starting at 0. */
  protected final Counter newCounter(String name) {
    Counter c = new Counter(join(path, name));
    counters.add(c);
    return c;
  }

  /** Keeps {@code t} to be closed with the layer. */
  protected final Tensor own(Tensor t) {
    owned.add(t);
    return t;
  }

  /**
   * Returns {@code t} when it already has {@code shape}, else closes it and allocates a new one: the
   * per-batch-size buffer reuse.
   */
  protected final Tensor ensure(Tensor t, int... shape) {
    if (t != null && Arrays.equals(t.shape(), shape)) return t;
    if (t != null) {
      owned.remove(t);
      t.close();
    }
    return own(backend.zeros(shape));
  }

  /** Checks that {@code x} is NHWC with {@code channels} channels (or any, when negative). */
  protected final void checkNhwc(Tensor x, int channels) {
    if (x.rank() != 4 || (channels >= 0 && x.dim(3) != channels)) {
      throw new IllegalArgumentException(describe() + ": expected input [N, H, W, " + (channels >= 0 ? channels : "C")
          + "] (NHWC) but got " + Arrays.toString(x.shape()));
    }
  }

  /** Throws unless a forward pass in training mode preceded this backward pass. */
  protected final void checkBackward(Object saved) {
    if (saved == null) throw new IllegalStateException(describe() + ": backward without a preceding forward");
  }

  /** "layer1.0.conv1 (NoisyConv2d)". */
  public String describe() {
    return (path.isEmpty() ? "<root>" : path) + " (" + getClass().getSimpleName() + ")";
  }
}
