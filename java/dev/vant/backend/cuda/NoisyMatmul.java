package dev.vant.backend.cuda;

import static dev.vant.backend.cuda.CudaBackend.bad;
import static dev.vant.backend.cuda.CudaBackend.requireSize;

import dev.vant.backend.Noise;
import dev.vant.backend.Shapes;
import dev.vant.cuda.DeviceBuffer;
import dev.vant.tensor.Tensor;

/**
 * Binding of {@code kernels/noisy_matmul.cu}: the linear layer. Shapes: x [B, IN] (or [B, 1, 1, IN]),
 * w [OUT, IN], bias [OUT], y [B, OUT] (or [B, 1, 1, OUT]); the FP32 or the {@code _tf32} kernels by the
 * backend's math mode.
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
    int[] ym = Shapes.matrix(op, "y", y);
    if (ym[0] != d.batch || ym[1] != d.out) throw bad(op, "y " + y + " must be [" + d.batch + ", " + d.out + "]");
    if (bias != null) requireSize(op, "bias", bias, d.out);
    KernelArgs.NoiseArgs na = b.noise(noise, y, op);
    KernelArgs a = new KernelArgs().ptr(b.buf(x, op)).ptr(b.buf(w, op)).ptr(b.bufOrNull(bias, op)).ptr(b.buf(y, op))
        .i(d.batch).i(d.in).i(d.out).noise(na).i(b.math().tf32RoundArg());
    if (y.size() == 0) return;
    Gemm gemm = b.gemm();
    Gemm.Variant f = gemm.linearForward(d.out, na.type() != KernelArgs.NoiseArgs.NONE.type());
    b.launch(op, "noisy_matmul_forward" + f.suffix(), gemm.tiles(f, d.batch, d.out), Gemm.THREADS, f.sharedBytes(), a);
  }

  static void backwardData(CudaBackend b, Tensor dy, Tensor w, Tensor dx) {
    String op = "linearBackwardData dy " + dy + ", w " + w + " -> dx " + dx;
    int[] gm = Shapes.matrix(op, "dy", dy), xm = Shapes.matrix(op, "dx", dx);
    int batch = gm[0], out = gm[1], in = xm[1];
    if (xm[0] != batch) throw bad(op, "dy and dx differ in N");
    Shapes.require(op, "w", w, out, in);
    if (dx.size() == 0) return;
    Gemm gemm = b.gemm();
    Gemm.Variant v = gemm.data(in);
    // The wgmma kernels read the weights transposed, [IN][OUT] (contiguous in the GEMM's k, as their tf32 needs).
    try (DeviceBuffer wt = v.wgmma() ? b.workspace(4L * w.size(), op + " transposed weights") : null) {
      DeviceBuffer wb = b.buf(w, op);
      if (wt != null) {
        transposeTf32(b, op, wb, wt, out, in, 1, 0, in, 0, out);
        wb = wt;
      }
      b.launch(op, "matmul_backward_data" + v.suffix(), gemm.tiles(v, batch, in), Gemm.THREADS, v.sharedBytes(),
          new KernelArgs().ptr(b.buf(dy, op)).ptr(wb).ptr(b.buf(dx, op)).i(batch).i(in).i(out).i(b.math().tf32RoundArg()));
    }
  }

  /**
   * dst[b][c][r] = tf32(src[b][r][c]) for b < batch, r < rows, c < cols (matmul_transpose_tf32; leading dimensions and
   * batch strides in floats): the transposed, TF32-rounded weights of the wgmma data gradients (linear and conv);
   * copied as they are under --math tf32rz, whose tensor cores truncate every operand.
   */
  static void transposeTf32(CudaBackend b, String op, DeviceBuffer src, DeviceBuffer dst, int rows, int cols, int batch,
      long srcBatch, long srcLd, long dstBatch, long dstLd) {
    long tiles = (long) ((rows + 31) / 32) * ((cols + 31) / 32);
    b.launch(op + " weight transpose", "matmul_transpose_tf32", tiles * batch, 256,
        new KernelArgs().ptr(src).ptr(dst).i(rows).i(cols).l(srcBatch).l(srcLd).l(dstBatch).l(dstLd).i(b.math().tf32RoundArg()));
  }

  static void backwardWeight(CudaBackend b, Tensor x, Tensor dy, Tensor dw, Tensor dbias) {
    String op = "linearBackwardWeight x " + x + ", dy " + dy + " -> dw " + dw;
    int[] xm = Shapes.matrix(op, "x", x), gm = Shapes.matrix(op, "dy", dy);
    if (xm[0] != gm[0]) throw bad(op, "x and dy differ in N");
    int batch = xm[0], in = xm[1], out = gm[1];
    Shapes.require(op, "dw", dw, out, in);
    if (dbias != null) Shapes.require(op, "dbias", dbias, out);
    if (batch == 0) { // an empty sum: the gradients are zero
      Elementwise.fill(b, dw, 0f);
      if (dbias != null) Elementwise.fill(b, dbias, 0f);
      return;
    }
    if (dw.size() > 0) {
      Gemm gemm = b.gemm();
      Gemm.Variant v = gemm.weight(in % 4 == 0 && out % 4 == 0, out);  // wgmma: whole 16-byte chunks of x and dy rows
      long chunk = gemm.weightKChunk(v, out, in, batch);
      int splits = Gemm.splits(batch, chunk);
      DeviceBuffer dDw = b.buf(dw, op);
      if (splits == 1) {
        launchWeight(b, op, x, dy, dDw, batch, in, out, v, 1, chunk);
      } else {
        try (DeviceBuffer part = b.workspace(4L * splits * out * in, op + " split-K partials x" + splits)) {
          launchWeight(b, op, x, dy, part, batch, in, out, v, splits, chunk);
          splitReduce(b, op, part, dDw, (long) out * in, splits);
        }
      }
    }
    if (dbias != null) BiasGrad.columnSums(b, op + " dbias", dy, batch, out, dbias);
  }

  private static void launchWeight(CudaBackend b, String op, Tensor x, Tensor dy, DeviceBuffer dst, int batch, int in,
      int out, Gemm.Variant v, int splits, long chunk) {
    b.launch(op, "matmul_backward_weight" + v.suffix(), b.gemm().weightTiles(v, out, in) * splits, Gemm.THREADS,
        v.sharedBytes(), new KernelArgs().ptr(b.buf(x, op)).ptr(b.buf(dy, op)).ptr(dst).i(batch).i(in).i(out).i(splits).l(chunk)
            .i(b.math().tf32RoundArg()));
  }

  /** out [count] = sum of the splits' partials in split order (matmul_splitk_reduce; conv2d uses it too). */
  static void splitReduce(CudaBackend b, String op, DeviceBuffer part, DeviceBuffer out, long count, int splits) {
    splitReduce(b, op, part, out, count, splits, null);
  }

  /** out [count] = the splits' partials summed in split order, + add [count] where {@code add} is not null. */
  static void splitReduce(CudaBackend b, String op, DeviceBuffer part, DeviceBuffer out, long count, int splits,
      DeviceBuffer add) {
    b.launch(op + " split-K reduce", "matmul_splitk_reduce", b.gridFor(count), 256,
        new KernelArgs().ptr(part).ptr(out).l(count).i(splits).ptr(add));
  }

  /**
   * y [count] = noise(sum of the splits' partials in split order + bias[e % n]) (matmul_splitk_reduce_noisy): the end
   * of a split-K noisy forward (conv2d's too). {@code bias} may be null. statsPartials: null, or (n % 4 == 0) the next
   * BatchNorm's statistics partials, made from 64-row x 64-column pieces of y (one block each) instead of a
   * grid-stride over groups.
   */
  static void splitReduceNoisy(CudaBackend b, String op, DeviceBuffer part, DeviceBuffer bias, DeviceBuffer y, long count,
      int n, int splits, KernelArgs.NoiseArgs noise, DeviceBuffer statsPartials) {
    if (statsPartials != null && n % 4 != 0) throw bad(op, "split-K statistics need a multiple of 4 columns, not " + n);
    long rows = count / n;
    long grid = statsPartials == null ? b.gridFor((count + 3) / 4)
        : ((rows + BatchNorm.STAT_ROWS - 1) / BatchNorm.STAT_ROWS) * ((n + 63) / 64);
    b.launch(op + " split-K reduce + noise", "matmul_splitk_reduce_noisy", grid, 256,
        new KernelArgs().ptr(part).ptr(bias).ptr(y).l(count).i(n).i(splits).noise(noise).ptr(statsPartials));
  }

  private record Dims(int batch, int in, int out) {}

  private static Dims dims(String op, Tensor x, Tensor w) {
    int[] xm = Shapes.matrix(op, "x", x);
    if (w == null || w.rank() != 2) throw bad(op, "w must be [OUT, IN]");
    Shapes.require(op, "w", w, w.dim(0), xm[1]);
    return new Dims(xm[0], xm[1], w.dim(0));
  }
}
