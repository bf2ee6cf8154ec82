package dev.vant.backend.cuda;

import dev.vant.cuda.DeviceBuffer;
import dev.vant.tensor.Tensor;

/**
 * Binding of {@code kernels/bias_grad.cu}: dbias [cols] = column sums of dy [rows, cols], in double,
 * in a fixed order (two passes through a pool workspace of ceil(rows / 1024) x cols partials).
 */
final class BiasGrad {
  static final int ROWS_PER_CHUNK = 1024; // kernels/colreduce.cuh ROWS
  static final int COLS_PER_BLOCK = 32;   // kernels/colreduce.cuh COLS

  private BiasGrad() {}

  static long chunks(long rows) {
    return (rows + ROWS_PER_CHUNK - 1) / ROWS_PER_CHUNK;
  }

  /** Blocks of the partial pass. */
  static long partialBlocks(long rows, int cols) {
    return chunks(rows) * ((cols + COLS_PER_BLOCK - 1) / COLS_PER_BLOCK);
  }

  static void columnSums(CudaBackend b, String op, Tensor dy, long rows, int cols, Tensor dbias) {
    if (cols == 0) return;
    long chunks = chunks(rows);
    try (DeviceBuffer part = b.workspace(8L * chunks * cols, op + " partial sums [" + chunks + ", " + cols + "]")) {
      b.launch(op, "bias_grad_partial", partialBlocks(rows, cols), 256,
          new KernelArgs().ptr(b.buf(dy, op + " dy")).l(rows).i(cols).ptr(part));
      b.launch(op, "bias_grad_final", (cols + 255) / 256, 256,
          new KernelArgs().ptr(part).l(chunks).i(cols).ptr(b.buf(dbias, op + " dbias")));
    }
  }
}
