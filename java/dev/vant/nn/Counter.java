package dev.vant.nn;

/**
 * A named integer state of a model, held on the host: BatchNorm's {@code num_batches_tracked}, which
 * PyTorch keeps in its state dict as an int64 scalar. vant saves it as I64 with shape [] so that a
 * PyTorch {@code load_state_dict(strict=True)} accepts vant's exports and vice versa.
 */
public final class Counter {
  private final String name;
  private long value;

  /** A counter at 0 named {@code name} (state-dict name). */
  public Counter(String name) {
    this.name = name;
  }

  /** The state-dict name, e.g. {@code "bn1.num_batches_tracked"}. */
  public String name() {
    return name;
  }

  /** The current value. */
  public long get() {
    return value;
  }

  /** Sets the value (checkpoint load). */
  public void set(long v) {
    value = v;
  }

  /** Adds one (one training-mode BatchNorm forward). */
  public void increment() {
    value++;
  }
}
