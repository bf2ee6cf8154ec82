package dev.vant.tensor;

import java.util.Arrays;

/**
 * A float32 tensor: a shape and storage on one backend's device.
 *
 * <p>Layouts are canonical (DESIGN.md §3): activations NHWC {@code [N, H, W, C]}, conv weights KRSC
 * {@code [K, R, S, C]}, linear weights {@code [OUT, IN]}, matrices row-major, vectors {@code [n]}. The
 * noise contract indexes elements in this order.
 *
 * <p>Tensors that live in native or device memory must be closed; use try-with-resources. Closing a CPU
 * tensor just drops its array. Create tensors through a {@link dev.vant.backend.Backend}.
 */
public final class Tensor implements AutoCloseable {
  private final int[] shape;
  private final long size;
  private final Storage storage;
  private final boolean owner;
  private boolean closed;

  /** A tensor that owns {@code storage}: closing it releases the storage. */
  public Tensor(Storage storage, int... shape) {
    this(storage, true, shape);
  }

  private Tensor(Storage storage, boolean owner, int... shape) {
    this.owner = owner;
    this.shape = shape.clone();
    long n = 1;
    for (int d : shape) {
      if (d < 0) throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
      n *= d;
    }
    this.size = n;
    if (storage.capacity() < n) {
      throw new IllegalArgumentException("storage of " + storage.capacity() + " floats is too small for shape " + Arrays.toString(shape));
    }
    this.storage = storage;
  }

  /** The shape (a copy). */
  public int[] shape() {
    return shape.clone();
  }

  /** Dimension {@code i}; negative {@code i} counts from the end. */
  public int dim(int i) {
    return shape[i < 0 ? shape.length + i : i];
  }

  public int rank() {
    return shape.length;
  }

  /** Number of elements. */
  public long size() {
    return size;
  }

  /** Elements per sample: size / shape[0] (e.g. H*W*C for NHWC). */
  public long perSample() {
    return shape.length == 0 || shape[0] == 0 ? 0 : size / shape[0];
  }

  public Storage storage() {
    if (closed) throw new IllegalStateException("tensor " + Arrays.toString(shape) + " used after close");
    return storage;
  }

  /** True when both tensors have the same shape. */
  public boolean sameShape(Tensor o) {
    return Arrays.equals(shape, o.shape);
  }

  /**
   * A view of the same storage with another shape of the same size (e.g. [N,1,1,C] as [N,C]). The view
   * does not own the storage: closing it releases nothing, and it must not outlive this tensor.
   */
  public Tensor reshape(int... newShape) {
    Tensor t = new Tensor(storage(), false, newShape);
    if (t.size != size) {
      throw new IllegalArgumentException("cannot reshape " + Arrays.toString(shape) + " to " + Arrays.toString(newShape));
    }
    return t;
  }

  @Override
  public String toString() {
    return "Tensor" + Arrays.toString(shape) + "@" + storage.device();
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      if (owner) storage.release();
    }
  }

  /** Where a tensor's elements live. CPU storage is a float[]; CUDA storage is device memory. */
  public interface Storage {
    /** Floats available. */
    long capacity();

    /** "cpu", "cuda:0", ... */
    String device();

    /** Called once when the owning tensor closes (views made by reshape do not release it). */
    void release();
  }
}
