package dev.vant.backend;

import dev.vant.tensor.Tensor;

/**
 * The BatchNorm training statistics of a conv's output, handed from the conv to the BatchNorm that reads it
 * (DESIGN.md §4, fusion plan: BatchNorm statistics accumulated in the conv epilogue). A BatchNorm owns one; a model
 * that runs conv then BatchNorm passes it to {@link Backend#conv2dForward(Conv2dShape, Tensor, Tensor, Tensor, Noise,
 * Tensor, StatsHandoff)} and then to the BatchNorm's training forward.
 *
 * <p>A backend that can make the statistics' partial sums while it writes the conv's output (the CUDA backend: in
 * the GEMM epilogue, from the output tile it holds) stores them in {@link #partials} and marks them {@link
 * #filled} for that output; the BatchNorm's forward then only merges them ({@link #take}) instead of reading its
 * input once more for them. The partials are the ones the BatchNorm's own statistics pass makes, in the same order,
 * so both ways give the same bits. A backend that cannot (the CPU backends; on CUDA a direct or split-K forward
 * whose K is not a multiple of 4) leaves the handoff empty and the BatchNorm computes its statistics as without it.
 *
 * <p>Not thread-safe: one model's forward uses it, conv then BatchNorm.
 */
public final class StatsHandoff implements AutoCloseable {
  private Tensor partials;
  private Tensor source;

  /**
   * The backend's storage for the partials, {@code floats} floats long (allocated, or reallocated when the size
   * changes, by {@code backend}; kept across steps, so a recorded CUDA graph keeps valid addresses). Empties the
   * handoff: it is filled again only by {@link #filled}.
   */
  public Tensor partials(Backend backend, int floats) {
    source = null;
    if (partials == null || partials.size() != floats) {
      if (partials != null) partials.close();
      partials = null;
      partials = backend.zeros(floats);
    }
    return partials;
  }

  /** The partials' storage as last allocated by {@link #partials(Backend, int)}, or null. */
  public Tensor partials() {
    return partials;
  }

  /** Marks the partials as made for the conv output {@code y}. */
  public void filled(Tensor y) {
    if (partials == null) throw new IllegalStateException("stats handoff: filled before its partials were allocated");
    source = y;
  }

  /**
   * Whether the partials hold the statistics of {@code x} (the same tensor the conv wrote); empties the handoff
   * either way, so partials are used at most once and never for another tensor.
   */
  public boolean take(Tensor x) {
    boolean ok = source != null && source == x;
    source = null;
    return ok;
  }

  @Override
  public void close() {
    source = null;
    if (partials != null) partials.close();
    partials = null;
  }
}
