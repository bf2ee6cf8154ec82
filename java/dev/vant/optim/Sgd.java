package dev.vant.optim;

import dev.vant.backend.Backend;
import dev.vant.backend.SgdConfig;
import dev.vant.nn.Model;
import dev.vant.nn.Parameter;
import dev.vant.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * SGD with optional momentum, dampening, Nesterov and L2 weight decay, PyTorch's semantics
 * ({@code torch.optim.SGD}, see {@link SgdConfig}); one fused {@code Backend.sgdUpdate} per step. The
 * momentum buffer starts as the first gradient, like PyTorch.
 */
public final class Sgd extends Optimizer {
  private float momentum, dampening, weightDecay;
  private boolean nesterov;
  private final List<Tensor> buf;

  private Sgd(Builder b, Backend backend, List<Parameter> params) {
    super(backend, params, b.lr);
    this.momentum = b.momentum;
    this.dampening = b.dampening;
    this.weightDecay = b.weightDecay;
    this.nesterov = b.nesterov;
    this.buf = stateBuffers("momentum_buffer");
  }

  /** A builder with PyTorch's defaults (lr must usually be set). */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public void step() {
    backend.sgdUpdate(values, grads, buf, new SgdConfig(lr, momentum, dampening, weightDecay, nesterov), steps == 0);
    steps++;
  }

  @Override
  public String kind() {
    return "sgd";
  }

  @Override
  public Map<String, String> config() {
    Map<String, String> c = new LinkedHashMap<>();
    c.put("lr", Float.toString(lr));
    c.put("momentum", Float.toString(momentum));
    c.put("dampening", Float.toString(dampening));
    c.put("weight_decay", Float.toString(weightDecay));
    c.put("nesterov", Boolean.toString(nesterov));
    return c;
  }

  @Override
  protected void set(String key, String v) {
    switch (key) {
      case "lr" -> setLr(Float.parseFloat(v));
      case "momentum" -> momentum = Float.parseFloat(v);
      case "dampening" -> dampening = Float.parseFloat(v);
      case "weight_decay" -> weightDecay = Float.parseFloat(v);
      case "nesterov" -> nesterov = Boolean.parseBoolean(v);
      default -> throw new IllegalArgumentException("sgd has no hyper-parameter '" + key + "'");
    }
  }

  /** Builder of {@link Sgd}. Defaults: lr 0.1, no momentum, no dampening, no weight decay. */
  public static final class Builder {
    private float lr = 0.1f, momentum, dampening, weightDecay;
    private boolean nesterov;

    /** Learning rate. */
    public Builder lr(float v) {
      lr = v;
      return this;
    }

    /** Momentum factor (default 0). */
    public Builder momentum(float v) {
      momentum = v;
      return this;
    }

    /** Dampening of the momentum (default 0). */
    public Builder dampening(float v) {
      dampening = v;
      return this;
    }

    /** L2 weight decay added to the gradient (default 0). */
    public Builder weightDecay(float v) {
      weightDecay = v;
      return this;
    }

    /** Nesterov momentum (needs momentum > 0 and dampening 0, as in PyTorch). */
    public Builder nesterov(boolean on) {
      nesterov = on;
      return this;
    }

    /** SGD over every trainable parameter of {@code model}. */
    public Sgd build(Model model) {
      return build(model.backend(), model.parameters());
    }

    /** SGD over {@code params}, which live on {@code backend}. */
    public Sgd build(Backend backend, List<Parameter> params) {
      if (nesterov && (momentum <= 0 || dampening != 0)) {
        throw new IllegalArgumentException("Nesterov momentum requires momentum > 0 and dampening 0 (got " + momentum + ", " + dampening + ")");
      }
      return new Sgd(this, backend, params);
    }
  }
}
