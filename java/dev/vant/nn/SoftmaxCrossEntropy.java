package dev.vant.nn;

import dev.vant.backend.Backend;
import dev.vant.tensor.Tensor;
import java.util.Arrays;

/**
 * Softmax cross-entropy, mean over the batch: logits [N, K], labels [N] (class indices stored as
 * floats). {@link #forward} computes the loss and keeps {@code dlogits = (softmax - onehot) / N} for the
 * backward pass. A non-finite loss throws, naming the step.
 */
public final class SoftmaxCrossEntropy implements AutoCloseable {
  private final Backend backend;
  private Tensor dlogits;
  private final Tensor stats;
  private final float[] host = new float[2];

  /** A loss on {@code backend} (holds a [2] stats tensor and the [N, K] gradient). */
  public SoftmaxCrossEntropy(Backend backend) {
    this.backend = backend;
    this.stats = backend.zeros(2);
  }

  /**
   * The statistics of one batch.
   *
   * @param loss mean softmax cross-entropy
   * @param correct samples whose argmax is the label
   * @param n batch size
   */
  public record Result(float loss, int correct, int n) {}

  /**
   * Loss of {@code logits} against {@code labels} at training step {@code step} (used in the error):
   * {@link #compute} then {@link #read}.
   *
   * @throws ArithmeticException when the loss is NaN or infinite, naming the step
   * @throws IllegalArgumentException on mismatched shapes
   */
  public Result forward(Tensor logits, Tensor labels, long step) {
    compute(logits, labels);
    return read(step);
  }

  /**
   * Computes loss statistics and {@link #gradient()} without reading anything back to the host (on a GPU
   * the step can go on; call {@link #read} every few steps).
   */
  public void compute(Tensor logits, Tensor labels) {
    if (logits.rank() != 2 || labels.rank() != 1 || labels.dim(0) != logits.dim(0)) {
      throw new IllegalArgumentException("softmax cross-entropy: logits " + Arrays.toString(logits.shape())
          + " must be [N, K] and labels " + Arrays.toString(labels.shape()) + " must be [N]");
    }
    if (dlogits == null || !dlogits.sameShape(logits)) {
      if (dlogits != null) dlogits.close();
      dlogits = backend.zeros(logits.shape());
    }
    backend.softmaxCrossEntropy(logits, labels, dlogits, stats);
  }

  /**
   * Reads the statistics of the last {@link #compute} to the host.
   *
   * @throws ArithmeticException when the loss is NaN or infinite, naming {@code step}
   */
  public Result read(long step) {
    if (dlogits == null) throw new IllegalStateException("softmax cross-entropy: read() before compute()");
    backend.toHost(stats, host);
    if (!Float.isFinite(host[0])) {
      throw new ArithmeticException("loss is " + host[0] + " at step " + step + " (softmax cross-entropy over " + dlogits.dim(0) + " samples)");
    }
    return new Result(host[0], Math.round(host[1]), dlogits.dim(0));
  }

  /**
   * Adds the last {@link #compute}'s statistics {mean loss, correct} to {@code sum} [2] on the backend,
   * without reading anything back: a trainer sums a whole run of steps on the device and reads once.
   */
  public void accumulate(Tensor sum) {
    if (dlogits == null) throw new IllegalStateException("softmax cross-entropy: accumulate() before compute()");
    backend.add(sum, stats, sum);
  }

  /** dL/dlogits of the last {@link #forward} (owned by this object). */
  public Tensor gradient() {
    if (dlogits == null) throw new IllegalStateException("softmax cross-entropy: gradient() before forward()");
    return dlogits;
  }

  @Override
  public void close() {
    stats.close();
    if (dlogits != null) dlogits.close();
  }
}
