package dev.vant.optim;

import dev.vant.backend.Backend;
import dev.vant.nn.Parameter;
import dev.vant.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An optimizer over a model's trainable parameters. Its state (moment buffers and the step count) lives
 * on the parameters' backend and is checkpointable through {@link #state()} and {@link #steps()}.
 *
 * <pre>{@code
 * try (Adam adam = Adam.builder().lr(1e-3f).weightDecay(1e-4f).build(model)) {
 *   adam.setLr(schedule.lr(epoch));   // optional
 *   adam.step();                      // uses every Parameter.grad()
 * }
 * }</pre>
 */
public abstract class Optimizer implements AutoCloseable {
  /** The backend holding parameters and state. */
  protected final Backend backend;
  /** The optimized parameters. */
  protected final List<Parameter> params;
  /** Their values, in order. */
  protected final List<Tensor> values = new ArrayList<>();
  /** Their gradients, in order. */
  protected final List<Tensor> grads = new ArrayList<>();
  private final List<Tensor> owned = new ArrayList<>();
  private final Map<String, Tensor> state = new LinkedHashMap<>();
  /** Learning rate of the next step. */
  protected float lr;
  /** Updates done. */
  protected int steps;

  /** An optimizer over trainable {@code params} living on {@code backend}. */
  protected Optimizer(Backend backend, List<Parameter> params, float lr) {
    if (params.isEmpty()) throw new IllegalArgumentException("optimizer: no parameters");
    this.backend = backend;
    this.params = List.copyOf(params);
    for (Parameter p : params) {
      if (!p.trainable()) throw new IllegalArgumentException("optimizer: " + p.name() + " is not trainable");
      values.add(p.value());
      grads.add(p.grad());
    }
    setLr(lr);
  }

  /** One update with the current gradients; increments {@link #steps()}. */
  public abstract void step();

  /** "adam" or "sgd". */
  public abstract String kind();

  /** The hyper-parameters as strings (for checkpoint metadata), including "lr". */
  public abstract Map<String, String> config();

  /**
   * Restores hyper-parameters written by {@link #config()} (checkpoint load; like PyTorch's
   * {@code optimizer.load_state_dict}, which restores its param_groups). Unknown keys throw.
   */
  public void restoreConfig(Map<String, String> cfg) {
    for (Map.Entry<String, String> e : cfg.entrySet()) {
      try {
        set(e.getKey(), e.getValue());
      } catch (NumberFormatException ex) {
        throw new IllegalArgumentException(kind() + " hyper-parameter " + e.getKey() + ": not a number: " + e.getValue(), ex);
      }
    }
  }

  /** Sets one hyper-parameter by its {@link #config()} name. */
  protected abstract void set(String key, String value);

  /** The learning rate of the next {@link #step()}. */
  public float lr() {
    return lr;
  }

  /** Sets the learning rate (e.g. from an {@link LrSchedule}). */
  public void setLr(float lr) {
    if (!(lr >= 0) || Float.isInfinite(lr)) throw new IllegalArgumentException("learning rate must be finite and >= 0, got " + lr);
    this.lr = lr;
  }

  /** Updates done so far (PyTorch's per-parameter {@code step} in the optimizer state). */
  public int steps() {
    return steps;
  }

  /**
   * Counts an update that the device already did without this object: a replay of a recorded training
   * step ({@link dev.vant.backend.StepGraph}) runs the update recorded from {@link #step()}, with the
   * learning rate and step count read from device memory.
   */
  public void countReplayedStep() {
    steps++;
  }

  /** Restores the step count (checkpoint load). */
  public void setSteps(int s) {
    if (s < 0) throw new IllegalArgumentException("optimizer steps must be >= 0, got " + s);
    steps = s;
  }

  /**
   * The state tensors, named {@code "<parameter name>.<buffer>"} with PyTorch's buffer names
   * ({@code exp_avg}, {@code exp_avg_sq}, {@code momentum_buffer}); same shapes and layout as the parameter.
   */
  public Map<String, Tensor> state() {
    return java.util.Collections.unmodifiableMap(state);
  }

  /** The parameters, in order. */
  public List<Parameter> parameters() {
    return params;
  }

  /** One zero buffer per parameter, registered as state {@code "<name>.<suffix>"}. */
  protected final List<Tensor> stateBuffers(String suffix) {
    List<Tensor> list = new ArrayList<>();
    for (Parameter p : params) {
      Tensor t = backend.zeros(p.shape());
      owned.add(t);
      list.add(t);
      state.put(p.name() + "." + suffix, t);
    }
    return list;
  }

  @Override
  public void close() {
    for (Tensor t : owned) t.close();
    owned.clear();
  }
}
