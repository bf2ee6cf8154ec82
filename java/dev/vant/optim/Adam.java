package dev.vant.optim;

import dev.vant.backend.AdamConfig;
import dev.vant.backend.Backend;
import dev.vant.nn.Model;
import dev.vant.nn.Parameter;
import dev.vant.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Adam with PyTorch's semantics ({@code torch.optim.Adam}, L2 weight decay added to the gradient; see
 * {@link AdamConfig}); one fused {@code Backend.adamUpdate} per step. Defaults: lr 1e-3, betas
 * (0.9, 0.999), eps 1e-8, weight decay 0 (the paper uses 1e-4).
 */
public final class Adam extends Optimizer {
  private float beta1, beta2, eps, weightDecay;
  private final List<Tensor> m, v;

  private Adam(Builder b, Backend backend, List<Parameter> params) {
    super(backend, params, b.lr);
    this.beta1 = b.beta1;
    this.beta2 = b.beta2;
    this.eps = b.eps;
    this.weightDecay = b.weightDecay;
    this.m = stateBuffers("exp_avg");
    this.v = stateBuffers("exp_avg_sq");
  }

  /** A builder with PyTorch's defaults. */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public void step() {
    steps++;
    backend.adamUpdate(values, grads, m, v, new AdamConfig(lr, beta1, beta2, eps, weightDecay), steps);
  }

  @Override
  public String kind() {
    return "adam";
  }

  @Override
  public Map<String, String> config() {
    Map<String, String> c = new LinkedHashMap<>();
    c.put("lr", Float.toString(lr));
    c.put("beta1", Float.toString(beta1));
    c.put("beta2", Float.toString(beta2));
    c.put("eps", Float.toString(eps));
    c.put("weight_decay", Float.toString(weightDecay));
    return c;
  }

  @Override
  protected void set(String key, String v) {
    switch (key) {
      case "lr" -> setLr(Float.parseFloat(v));
      case "beta1" -> beta1 = Float.parseFloat(v);
      case "beta2" -> beta2 = Float.parseFloat(v);
      case "eps" -> eps = Float.parseFloat(v);
      case "weight_decay" -> weightDecay = Float.parseFloat(v);
      default -> throw new IllegalArgumentException("adam has no hyper-parameter '" + key + "'");
    }
  }

  /** Builder of {@link Adam}. */
  public static final class Builder {
    private float lr = 1e-3f, beta1 = 0.9f, beta2 = 0.999f, eps = 1e-8f, weightDecay = 0f;

    /** Learning rate (default 1e-3). */
    public Builder lr(float v) {
      lr = v;
      return this;
    }

    /** Moment decay rates (default 0.9, 0.999). */
    public Builder betas(float b1, float b2) {
      if (!(b1 >= 0 && b1 < 1 && b2 >= 0 && b2 < 1)) throw new IllegalArgumentException("Adam betas must be in [0, 1): " + b1 + ", " + b2);
      beta1 = b1;
      beta2 = b2;
      return this;
    }

    /** Denominator epsilon (default 1e-8). */
    public Builder eps(float v) {
      eps = v;
      return this;
    }

    /** L2 weight decay added to the gradient (default 0; the paper: 1e-4). */
    public Builder weightDecay(float v) {
      weightDecay = v;
      return this;
    }

    /** Adam over every trainable parameter of {@code model}. */
    public Adam build(Model model) {
      return build(model.backend(), model.parameters());
    }

    /** Adam over {@code params}, which live on {@code backend}. */
    public Adam build(Backend backend, List<Parameter> params) {
      return new Adam(this, backend, params);
    }
  }
}
