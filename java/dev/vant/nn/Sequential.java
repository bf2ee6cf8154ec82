package dev.vant.nn;

import dev.vant.tensor.Tensor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;

/**
 * Layers applied one after the other; children are named like PyTorch's {@code nn.Sequential} (their
 * index) unless given a name, so parameters read {@code "0.weight"} or {@code "conv1.weight"}.
 */
public final class Sequential extends Layer {
  private final List<String> names;
  private final List<Layer> layers;
  /** Per layer: does a layer before it have parameters (then its input gradient is read)? Null until the first backward. */
  private boolean[] paramsBefore;

  private Sequential(List<String> names, List<Layer> layers) {
    this.names = List.copyOf(names);
    this.layers = List.copyOf(layers);
  }

  /** An empty builder. */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  protected void onBind(Binder b) {
    for (int i = 0; i < layers.size(); i++) child(layers.get(i), names.get(i), b);
  }

  @Override
  public List<Layer> children() {
    return layers;
  }

  /** Child names in order. */
  public List<String> names() {
    return names;
  }

  @Override
  public int[] outputShape(int[] s) {
    int[] cur = s;
    for (Layer l : layers) cur = l.outputShape(cur);
    return cur;
  }

  @Override
  public Tensor forward(Tensor x, NoiseContext ctx) {
    Tensor cur = x;
    for (int i = 0; i < layers.size(); i++) {
      Layer l = layers.get(i);
      // A conv right before a BatchNorm (the stem) hands it the statistics it makes as it writes its output (Fusions).
      if (l instanceof NoisyConv2d conv && i + 1 < layers.size() && layers.get(i + 1) instanceof BatchNorm2d bn) {
        cur = conv.forward(cur, ctx, bn.statsHandoff());
      } else {
        cur = l.forward(cur, ctx);
      }
    }
    return cur;
  }

  /**
   * Layer i computes the gradient of its input only when someone reads it: the caller ({@code inputGrad}) or a
   * layer before i with parameters. So a leading parameter-free layer (the input noise of a ResNet) does not make
   * the stem conv compute a data gradient that is thrown away (on an H200 that gradient was 241 µs of a 7.3 ms
   * ResNet-18 training step).
   */
  @Override
  public Tensor backward(Tensor dy, boolean inputGrad) {
    if (paramsBefore == null) { // the layers are fixed once built: which have parameters before them, computed once
      paramsBefore = new boolean[layers.size()];
      boolean any = false;
      for (int i = 0; i < paramsBefore.length; i++) {
        paramsBefore[i] = any;
        any |= !layers.get(i).parameters().isEmpty();
      }
    }
    Tensor cur = dy;
    boolean fuse = Fusions.on();
    for (int i = layers.size() - 1; i >= 0; i--) {
      // A conv followed by a BatchNorm (the paper's stem): the BatchNorm's backward writes the conv's bias gradient
      // as it makes the conv's dy, where the conv's noise passes gradients unchanged (Fusions; the same bits).
      if (fuse && i > 0 && layers.get(i) instanceof BatchNorm2d bn && layers.get(i - 1) instanceof NoisyConv2d conv) {
        Tensor sink = conv.biasGradientSink();
        if (sink != null) {
          cur = conv.backward(bn.backward(cur, true, sink), inputGrad || paramsBefore[i - 1], null, true);
          i--;
          continue;
        }
      }
      cur = layers.get(i).backward(cur, inputGrad || paramsBefore[i]);
    }
    return cur;
  }


  /** Builder of {@link Sequential}. */
  public static final class Builder {
    private final List<String> names = new ArrayList<>();
    private final List<Layer> layers = new ArrayList<>();

    /** Appends {@code layer} named by its index. */
    public Builder add(Layer layer) {
      return add(Integer.toString(layers.size()), layer);
    }

    /** Appends {@code layer} under {@code name} (a PyTorch attribute name, no dots). */
    public Builder add(String name, Layer layer) {
      if (name.isEmpty() || name.contains(".")) throw new IllegalArgumentException("layer name must be non-empty without dots: '" + name + "'");
      if (names.contains(name)) throw new IllegalArgumentException("duplicate layer name '" + name + "'");
      names.add(name);
      layers.add(layer);
      return this;
    }

    /** The container (unbound). */
    public Sequential build() {
      Set<Layer> seen = Collections.newSetFromMap(new java.util.IdentityHashMap<>());
      for (Layer l : layers) if (!seen.add(l)) throw new IllegalArgumentException("the same layer instance is added twice");
      return new Sequential(names, layers);
    }
  }
}
