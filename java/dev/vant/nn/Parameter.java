package dev.vant.nn;

import dev.vant.tensor.Tensor;

/**
 * A named float tensor of a model: a trainable parameter (with its gradient, same shape) or a buffer
 * such as BatchNorm's running mean (no gradient).
 *
 * <p>{@link #name()} is the PyTorch state-dict name ({@code "layer1.0.conv1.weight"}); {@link #layout()}
 * converts between vant's canonical layout and PyTorch's (e.g. KRSC vs OIHW) for checkpoints.
 */
public final class Parameter {
  private final String name;
  private final Tensor value;
  private final Tensor grad;
  private final TorchLayout layout;

  /** A parameter (grad non-null) or buffer (grad null) named {@code name}. */
  public Parameter(String name, Tensor value, Tensor grad, TorchLayout layout) {
    this.name = name;
    this.value = value;
    this.grad = grad;
    this.layout = layout;
  }

  /** PyTorch state-dict name. */
  public String name() {
    return name;
  }

  /** The values in vant's canonical layout (conv weights KRSC {@code [K, R, S, C]}). */
  public Tensor value() {
    return value;
  }

  /** dL/dvalue of the last backward pass (same shape), or null for a buffer. */
  public Tensor grad() {
    return grad;
  }

  /** True for a parameter with a gradient, false for a buffer. */
  public boolean trainable() {
    return grad != null;
  }

  /** How the tensor maps to PyTorch's layout. */
  public TorchLayout layout() {
    return layout;
  }

  /** Shape in vant's layout. */
  public int[] shape() {
    return value.shape();
  }

  /** Number of elements. */
  public long size() {
    return value.size();
  }

  @Override
  public String toString() {
    return name + java.util.Arrays.toString(value.shape());
  }
}
