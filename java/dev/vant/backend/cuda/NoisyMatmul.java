package dev.vant.backend.cuda;

import static dev.vant.backend.cuda.CudaBackend.bad;
import static dev.vant.backend.cuda.CudaBackend.requireSize;

import dev.vant.backend.Noise;
import dev.vant.cuda.DeviceBuffer;
import dev.vant.tensor.Tensor;

/**
 * Binding of {@code kernels/noisy_matmul.cu}: the linear layer. Shapes: x [B, IN] (any tensor with B rows
 * of IN elements, e.g. [B, 1, 1, IN]), w [OUT, IN], bias [OUT], y [B, OUT].
 * <ul>
 *   <li>forward: y = noise(x w^T + bias), the noise epilogue fused into the GEMM (one write of y);</li>
 *   <li>backward data: dx = dy w;</li>
 *   <li>backward weight: dw = dy^T x (split-K over the batch, reduced in fixed order), dbias = column sums of dy.</li>
 * </ul>
 */
final class NoisyMatmul {
  private NoisyMatmul() {}

  static void forward(CudaBackend b, Tensor x, Tensor w, Tensor bias, Noise noise, Tensor y) {
    String op = "linearForward x " + x + ", w " + w + " -> y " + y;
    Dims d = dims(op, x, w);
    requireSize(op, "y", y, (long) d.batch * d.out);
    if (y.dim(0) != d.batch) throw bad(op, "y must have " + d.batch + " rows");
    if (bias != null) requireSize(op, "bias", bias, d.out);
    KernelArgs a = new KernelArgs().ptr(b.buf(x, op)).ptr(b.buf(w, op)).ptr(b.bufOrNull(bias, op)).ptr(b.buf(y, op))
        .i(d.batch).i(d.in).i(d.out).noise(b.noise(noise, y, op));
    b.launch(op, "noisy_matmul_forward", Gemm.tiles(d.batch, d.out), Gemm.THREADS, a);
  }

  static void backwardData(CudaBackend b, Tensor dy, Tensor w, Tensor dx) {
    String op = "linearBackwardData dy " + dy + ", w " + w + " -> dx " + dx;
    if (w.rank() != 2) throw bad(op, "w must be [OUT, IN]");
    int out = w.dim(0), in = w.dim(1);
    if (dy.rank() < 1 || dy.perSample() != out) throw bad(op, "dy must be [B, " + out + "]");
    int batch = dy.dim(0);
    requireSize(op, "dx", dx, (long) batch * in);
    b.launch(op, "matmul_backward_data", Gemm.tiles(batch, in), Gemm.THREADS,
        new KernelArgs().ptr(b.buf(dy, op)).ptr(b.buf(w, op)).ptr(b.buf(dx, op)).i(batch).i(in).i(out));
  }

  static void backwardWeight(CudaBackend b, Tensor x, Tensor dy, Tensor dw, Tensor dbias) {
    String op = "linearBackwardWeight x " + x + ", dy " + dy + " -> dw " + dw;
    if (x.rank() < 1 || dy.rank() < 1 || x.dim(0) != dy.dim(0)) throw bad(op, "x and dy must have the same batch");
    int batch = x.dim(0);
    int in = Math.toIntExact(x.perSample()), out = Math.toIntExact(dy.perSample());
    requireSize(op, "dw", dw, (long) out * in);
    if (dbias != null) requireSize(op, "dbias", dbias, out);
    long chunk = Gemm.kChunk(out, in, batch);
    int splits = Gemm.splits(batch, chunk);
    DeviceBuffer dDw = b.buf(dw, op);
    if (splits == 1) {
      launchWeight(b, op, x, dy, dDw, batch, in, out, 1, chunk);
    } else {
      try (DeviceBuffer part = b.workspace(4L * splits * out * in, op + " split-K partials x" + splits)) {
        launchWeight(b, op, x, dy, part, batch, in, out, splits, chunk);
        splitReduce(b, op, part, dDw, (long) out * in, splits);
      }
    }
    if (dbias != null) BiasGrad.columnSums(b, op + " dbias", dy, batch, out, dbias);
  }

  private static void launchWeight(CudaBackend b, String op, Tensor x, Tensor dy, DeviceBuffer dst, int batch, int in,
      int out, int splits, long chunk) {
    b.launch(op, "matmul_backward_weight", Gemm.tiles(out, in) * splits, Gemm.THREADS,
        new KernelArgs().ptr(b.buf(x, op)).ptr(b.buf(dy, op)).ptr(dst).i(batch).i(in).i(out).i(splits).l(chunk));
  }

  /** out [count] = sum of the splits' partials in split order (matmul_splitk_reduce; conv2d uses it too). */
  static void splitReduce(CudaBackend b, String op, DeviceBuffer part, DeviceBuffer out, long count, int splits) {
    b.launch(op + " split-K reduce", "matmul_splitk_reduce", b.gridFor(count), 256,
        new KernelArgs().ptr(part).ptr(out).l(count).i(splits));
  }

  private record Dims(int batch, int in, int out) {}

  private static Dims dims(String op, Tensor x, Tensor w) {
    if (w == null || w.rank() != 2) throw bad(op, "w must be [OUT, IN]");
    if (x == null || x.rank() < 1) throw bad(op, "x must be [B, IN]");
    int out = w.dim(0), in = w.dim(1);
    if (x.perSample() != in) throw bad(op, "x has " + x.perSample() + " features per row, w expects " + in);
    return new Dims(x.dim(0), in, out);
  }
}
