package dev.vant.nn;

import dev.vant.backend.Backend;
import dev.vant.tensor.Tensor;
import java.util.Arrays;
import java.util.List;

/**
 * A network bound to a backend: its root layer, parameters, noise sites and input shape.
 *
 * <pre>{@code
 * try (Model model = Models.resnet18(3, 32, 32, 10).build(backend, 42)) {
 *   Tensor logits = model.forward(x, ctx);     // x [N, 32, 32, 3] -> logits [N, 10]
 *   model.backward(dlogits);                   // fills every Parameter.grad()
 * }
 * }</pre>
 * Closing the model frees every tensor its layers allocated.
 */
public final class Model implements AutoCloseable {
  private final Layer root;
  private final Backend backend;
  private final int[] input;
  private final String architecture;
  private final List<NoiseSite> sites;
  private final List<NoiseOperator> operators;
  private final List<Parameter> parameters;
  private final List<Parameter> buffers;
  private final List<Counter> counters;

  private Model(Builder b, Backend backend, long initSeed) {
    this.root = b.root;
    this.backend = backend;
    this.input = b.input;
    this.architecture = b.architecture;
    Binder binder = new Binder(backend, initSeed);
    root.bind("", binder);
    this.sites = binder.noise().sites();
    this.operators = binder.noise().operators();
    this.parameters = List.copyOf(root.parameters());
    this.buffers = List.copyOf(root.buffers());
    this.counters = List.copyOf(root.counters());
  }

  /** A builder for a model whose layers are {@code root} (not yet bound). */
  public static Builder builder(Layer root) {
    return new Builder(root);
  }

  /**
   * Forward pass: x {@code [N, H, W, C]} (or {@code [N, F]} for flat inputs) -> logits {@code [N, classes]}.
   * The result is owned by the model and valid until the next forward.
   *
   * @throws IllegalArgumentException naming the model input or the first layer that rejects the shape
   */
  public Tensor forward(Tensor x, NoiseContext ctx) {
    int[] s = x.shape();
    if (s.length != input.length + 1 || !Arrays.equals(Arrays.copyOfRange(s, 1, s.length), input) || s[0] <= 0) {
      throw new IllegalArgumentException("model input (" + architecture + "): expected [N, " + join(input) + "] but got " + Arrays.toString(s));
    }
    return root.forward(x, ctx);
  }

  /** Backward pass of the last forward: dlogits has the logits' shape; writes every parameter's gradient. */
  public void backward(Tensor dlogits) {
    root.backward(dlogits, false);
  }

  /** Training mode: BatchNorm uses and updates batch statistics. */
  public void train() {
    root.train(true);
  }

  /** Evaluation mode: BatchNorm uses its running statistics. */
  public void eval() {
    root.train(false);
  }

  /** Trainable parameters in bind (forward) order. */
  public List<Parameter> parameters() {
    return parameters;
  }

  /** BatchNorm running statistics. */
  public List<Parameter> buffers() {
    return buffers;
  }

  /** Integer state (num_batches_tracked). */
  public List<Counter> counters() {
    return counters;
  }

  /** Number of trainable scalars (what PyTorch's {@code sum(p.numel() for p in model.parameters())} gives). */
  public long parameterCount() {
    long n = 0;
    for (Parameter p : parameters) n += p.size();
    return n;
  }

  /** Every noise application in forward order; {@code noiseSites().get(i).site() == i}. */
  public List<NoiseSite> noiseSites() {
    return sites;
  }

  /** Every noise operator, ids in order of first application. */
  public List<NoiseOperator> noiseOperators() {
    return operators;
  }

  /** The operator named {@code name}. */
  public NoiseOperator noiseOperator(String name) {
    for (NoiseOperator o : operators) if (o.name().equals(name)) return o;
    throw new IllegalArgumentException("no noise operator named '" + name + "'");
  }

  /** The root layer. */
  public Layer root() {
    return root;
  }

  /** The backend holding the model's tensors. */
  public Backend backend() {
    return backend;
  }

  /** Per-sample input shape, e.g. {@code [H, W, C]}. */
  public int[] inputShape() {
    return input.clone();
  }

  /** Architecture description (stored in checkpoints). */
  public String architecture() {
    return architecture;
  }

  /** Output shape for a batch of {@code n}. */
  public int[] outputShape(int n) {
    int[] s = new int[input.length + 1];
    s[0] = n;
    System.arraycopy(input, 0, s, 1, input.length);
    return root.outputShape(s);
  }

  @Override
  public void close() {
    root.close();
  }

  private static String join(int[] a) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < a.length; i++) sb.append(i > 0 ? ", " : "").append(a[i]);
    return sb.toString();
  }

  /** Builder of {@link Model}. */
  public static final class Builder {
    private final Layer root;
    private int[] input;
    private String architecture = "custom";

    private Builder(Layer root) {
      this.root = root;
    }

    /** Image input [N, h, w, c]. */
    public Builder input(int h, int w, int c) {
      this.input = new int[] {h, w, c};
      return this;
    }

    /** Flat input [N, features]. */
    public Builder inputFeatures(int features) {
      this.input = new int[] {features};
      return this;
    }

    /** Architecture description stored in checkpoints. */
    public Builder architecture(String a) {
      this.architecture = a;
      return this;
    }

    /** Binds the layers to {@code backend} with parameters drawn from {@code initSeed}. */
    public Model build(Backend backend, long initSeed) {
      if (input == null) throw new IllegalStateException("Model.Builder: input shape not set");
      return new Model(this, backend, initSeed);
    }
  }
}
