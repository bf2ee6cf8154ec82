package dev.vant.data;

/**
 * One batch, ready for {@code Backend.fromHost(x, n, h, w, c)}.
 *
 * @param x normalized images, float32 NHWC [n, h, w, c]
 * @param y labels [n]
 * @param indices dataset index of each image [n] (for debugging and determinism checks)
 * @param epoch the epoch the batch belongs to
 * @param index 0-based batch number within the epoch
 */
public record Batch(float[] x, int[] y, int[] indices, int n, int h, int w, int c, int epoch, int index) {
  /** {@code {n, h, w, c}}. */
  public int[] shape() {
    return new int[] {n, h, w, c};
  }
}
