package dev.vant.nn;

/**
 * A named integer state of a model, held on the host: BatchNorm's {@code num_batches_tracked}, which
 * PyTorch keeps in its state dict as an int64 scalar. vant saves it as I64 with shape [] so that a
 * PyTorch {@code load_state_dict(strict=True)} accepts vant's exports and vice versa.
 */
public final class Counter {
  private final String name;
  private long value;

  public Counter(String name) {
    this.name = name;
  }

  public String name() {
    return name;
  }

  public long get() {
    return value;
  }

  public void set(long v) {
    value = v;
  }

  public void increment() {
    value++;
  }
}
