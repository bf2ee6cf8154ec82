package dev.vant.backend.cuda;

import static dev.vant.backend.cuda.CudaBackend.bad;
import static dev.vant.backend.cuda.CudaBackend.requireSame;
import static dev.vant.backend.cuda.CudaBackend.requireSize;

import dev.vant.backend.Shapes;
import dev.vant.cuda.DeviceBuffer;
import dev.vant.tensor.Tensor;

/**
 * Binding of {@code kernels/softmax_xent.cu}: logits [N,K], labels [N] -> dlogits [N,K], stats [2] =
 * {mean loss, number correct}; per-row results go through a pool workspace [N, 2] and are reduced in a
 * fixed order by one block. Nothing is copied to the host. A label outside [0, K) makes the loss NaN.
 */
final class SoftmaxXent {
  private SoftmaxXent() {}

  static void forwardBackward(CudaBackend b, Tensor logits, Tensor labels, Tensor dlogits, Tensor stats) {
    String op = "softmaxCrossEntropy logits " + logits;
    int[] lm = Shapes.matrix(op, "logits", logits);
    int n = lm[0], k = lm[1];
    if (n == 0 || k == 0) throw bad(op, "empty logits");
    requireSize(op, "labels", labels, n);
    requireSame(op, "dlogits", dlogits, logits, "logits");
    requireSize(op, "stats", stats, 2);
    try (DeviceBuffer rows = b.workspace(8L * n, op + " per-row loss and correct [" + n + ", 2]")) {
      b.launch(op, "softmax_xent_rows", n, 128, new KernelArgs().ptr(b.buf(logits, op)).ptr(b.buf(labels, op))
          .ptr(b.buf(dlogits, op)).ptr(rows).i(n).i(k));
      b.launch(op, "softmax_xent_stats", 1, 128, new KernelArgs().ptr(rows).i(n).ptr(b.buf(stats, op)));
    }
  }
}
