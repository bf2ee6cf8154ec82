package dev.vant.backend.cuda;

import static dev.vant.backend.cuda.CudaBackend.requireSame;
import static dev.vant.backend.cuda.CudaBackend.requireSize;

import dev.vant.backend.JoinInput;
import dev.vant.backend.Noise;
import dev.vant.backend.Shapes;
import dev.vant.tensor.Tensor;

/**
 * Binding of {@code kernels/elementwise.cu}: ReLU + noise, residual add + ReLU + noise (its inputs plain or read
 * through their BatchNorms, {@link JoinInput}), their backward
 * passes, the standalone noise point and its backward, fill, copy and add. Noisy kernels run one thread per
 * Philox group of four elements.
 */
final class Elementwise {
  private Elementwise() {}

  static void fill(CudaBackend b, Tensor t, float value) {
    if (t.size() == 0) return;
    String op = "fill " + t + " = " + value;
    b.launch(op, "fill_value", b.gridFor(t.size()), 256, new KernelArgs().ptr(b.buf(t, op)).l(t.size()).f(value));
  }

  static void copy(CudaBackend b, Tensor src, Tensor dst) {
    if (src.size() == 0) return;
    String op = "copy " + src + " -> " + dst;
    b.launch(op, "copy_values", b.gridFor(src.size()), 256,
        new KernelArgs().ptr(b.buf(src, op + " src")).ptr(b.buf(dst, op + " dst")).l(src.size()));
  }

  static void add(CudaBackend b, Tensor a, Tensor c, Tensor y) {
    String op = "add a " + a + " + b " + c + " -> y " + y;
    requireSame(op, "b", c, a, "a");
    requireSame(op, "y", y, a, "a");
    if (a.size() == 0) return;
    b.launch(op, "add_values", b.gridFor(a.size()), 256,
        new KernelArgs().ptr(b.buf(a, op)).ptr(b.buf(c, op)).ptr(b.buf(y, op)).l(a.size()));
  }

  static void noiseForward(CudaBackend b, Tensor x, Noise noise, Tensor y) {
    String op = "noiseForward x " + x + " -> y " + y;
    requireSame(op, "y", y, x, "x");
    unaryNoisy(b, op, "noise_forward", x, noise, y);
  }

  static void noiseBackward(CudaBackend b, Noise noise, Tensor dy, Tensor dx) {
    String op = "noiseBackward dy " + dy + " -> dx " + dx;
    requireSame(op, "dx", dx, dy, "dy");
    if (dy.size() == 0) return;
    KernelArgs a = new KernelArgs().ptr(b.buf(dy, op + " dy")).ptr(b.buf(dx, op + " dx")).l(dy.size())
        .noise(b.noise(noise, dy, op));
    b.launch(op, "noise_backward", b.gridFor(dy.size()), 256, a);
  }

  static void reluForward(CudaBackend b, Tensor x, Noise noise, Tensor y) {
    String op = "reluForward x " + x + " -> y " + y;
    requireSame(op, "y", y, x, "x");
    unaryNoisy(b, op, "relu_forward", x, noise, y);
  }

  static void reluBackward(CudaBackend b, Tensor dy, Tensor x, Tensor dx) {
    String op = "reluBackward dy " + dy + ", x " + x + " -> dx " + dx;
    requireSame(op, "x", x, dy, "dy");
    requireSame(op, "dx", dx, dy, "dy");
    if (dy.size() == 0) return;
    b.launch(op, "relu_backward", b.gridFor(dy.size()), 256,
        new KernelArgs().ptr(b.buf(dy, op)).ptr(b.buf(x, op)).ptr(b.buf(dx, op)).l(dy.size()));
  }

  static void addReluForward(CudaBackend b, JoinInput a, JoinInput c, Noise noise, Tensor y) {
    String op = "addReluForward a " + describe(a) + " + b " + describe(c) + " -> y " + y;
    requireSame(op, "b", c.x(), a.x(), "a");
    requireSame(op, "y", y, a.x(), "a");
    if (y.size() == 0) return;
    KernelArgs k = join(b, op, "b", join(b, op, "a", new KernelArgs(), a), c).i(channels(op, a, c)).ptr(b.buf(y, op)).l(y.size())
        .noise(b.noise(noise, y, op));
    b.launch(op, "add_relu_forward", b.gridFor((y.size() + 3) / 4), 256, k);
  }

  static void addReluBackward(CudaBackend b, Tensor dy, JoinInput a, JoinInput c, Tensor dx) {
    String op = "addReluBackward dy " + dy + ", a " + describe(a) + ", b " + describe(c) + " -> dx " + dx;
    requireSame(op, "a", a.x(), dy, "dy");
    requireSame(op, "b", c.x(), dy, "dy");
    requireSame(op, "dx", dx, dy, "dy");
    if (dy.size() == 0) return;
    KernelArgs k = join(b, op, "b", join(b, op, "a", new KernelArgs().ptr(b.buf(dy, op)), a), c)
        .i(channels(op, a, c)).ptr(b.buf(dx, op)).l(dy.size());
    b.launch(op, "add_relu_backward", b.gridFor(dy.size()), 256, k);
  }

  private static String describe(JoinInput in) {
    return in.x() + (in.normalized() ? (in.fromVariance() ? " (BatchNorm, running statistics)" : " (BatchNorm, batch statistics)") : "");
  }

  /**
   * The channel count C of x [.., C], with the per-channel vectors of a normalized input checked against it; 1
   * when both inputs are plain (any shape of the same size, as before normalized inputs existed).
   */
  private static int channels(String op, JoinInput a, JoinInput c) {
    if (!a.normalized() && !c.normalized()) return 1;
    int ch = Shapes.nhwc(op, "a", a.x())[3];
    for (JoinInput in : new JoinInput[] {a, c}) {
      if (!in.normalized()) continue;
      String name = in == a ? "a" : "b";
      requireSize(op, name + ".gamma", in.gamma(), ch);
      requireSize(op, name + ".beta", in.beta(), ch);
      requireSize(op, name + ".mean", in.mean(), ch);
      requireSize(op, name + ".scale", in.scale(), ch);
    }
    return ch;
  }

  /** Appends one vant::JoinIn (kernels/batchnorm.cuh): x, gamma, beta, mean, scale, eps, mode. */
  private static KernelArgs join(CudaBackend b, String op, String name, KernelArgs k, JoinInput in) {
    k.ptr(b.buf(in.x(), op + " " + name));
    if (!in.normalized()) return k.ptr(null).ptr(null).ptr(null).ptr(null).f(0f).i(0);
    return k.ptr(b.buf(in.gamma(), op)).ptr(b.buf(in.beta(), op)).ptr(b.buf(in.mean(), op)).ptr(b.buf(in.scale(), op))
        .f(in.eps()).i(in.fromVariance() ? 2 : 1);
  }

  private static void unaryNoisy(CudaBackend b, String op, String kernel, Tensor x, Noise noise, Tensor y) {
    if (x.size() == 0) return;
    KernelArgs a = new KernelArgs().ptr(b.buf(x, op + " x")).ptr(b.buf(y, op + " y")).l(x.size())
        .noise(b.noise(noise, y, op));
    b.launch(op, kernel, b.gridFor((x.size() + 3) / 4), 256, a);
  }
}
