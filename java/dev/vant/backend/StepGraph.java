package dev.vant.backend;

/**
 * A training step recorded once by {@link Backend#captureStep} and replayed (on CUDA: a CUDA graph). A
 * replay repeats every op of the recording on the same device buffers, with the same shapes and
 * constants; only the {@link StepScalars} change, read by the kernels from a small device buffer that
 * {@link #replay} rewrites. The caller refills the recording's input buffers (images, labels) before
 * each replay.
 */
public interface StepGraph extends AutoCloseable {
  /** Runs the recorded step once more with {@code s}. */
  void replay(StepScalars s);

  /** Frees the recording. */
  @Override
  void close();
}
