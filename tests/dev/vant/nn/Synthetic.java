package dev.vant.nn;

import dev.vant.backend.Backend;
import dev.vant.tensor.Tensor;
import java.util.Random;

/**
 * A learnable toy image task for tests: class k of K has a bright 2x2 patch in channel (k % C) at a
 * class-specific position, plus uniform clutter. NHWC images [N, h, w, c]; labels [N] as floats.
 * Shared by the nn tests and the GPU training-step test.
 */
public final class Synthetic {
  public final float[] images;
  public final float[] labels;
  public final int n, h, w, c;

  public Synthetic(int n, int h, int w, int c, int classes, long seed) {
    this.n = n;
    this.h = h;
    this.w = w;
    this.c = c;
    Random rnd = new Random(seed);
    images = new float[n * h * w * c];
    labels = new float[n];
    for (int i = 0; i < n; i++) {
      int k = rnd.nextInt(classes);
      labels[i] = k;
      for (int j = 0; j < h * w * c; j++) images[i * h * w * c + j] = (float) (0.5 * rnd.nextDouble());
      int py = (k * 3) % (h - 1), px = (k * 5) % (w - 1), ch = k % c;
      for (int dy = 0; dy < 2; dy++)
        for (int dx = 0; dx < 2; dx++) images[((i * h + py + dy) * w + px + dx) * c + ch] += 2f;
    }
  }

  /** Batch b of size bs (wrapping around), as tensors on {@code backend}: {images, labels}. */
  public Tensor[] batch(Backend backend, int b, int bs) {
    float[] x = new float[bs * h * w * c];
    float[] y = new float[bs];
    for (int i = 0; i < bs; i++) {
      int s = (b * bs + i) % n;
      System.arraycopy(images, s * h * w * c, x, i * h * w * c, h * w * c);
      y[i] = labels[s];
    }
    return new Tensor[] {backend.fromHost(x, bs, h, w, c), backend.fromHost(y, bs)};
  }
}
